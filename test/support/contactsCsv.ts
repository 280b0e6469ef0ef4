/** A contacts CSV of `rows` rows, as an export tool would write it (deterministic). */
export function contactsCsv(rows: number, start = 1): string {
  const lines = ['First Name,Last Name,E-mail Address,Mobile Phone,Company,Job Title,City'];
  for (let i = start; i < start + rows; i++) {
    lines.push(
      `Person${i},Müller-${i % 97},person${i}@Example.com,+1 415 555 ${String(1000 + (i % 9000)).padStart(4, '0')},` +
        `"Company ${i % 50}, Inc.",Engineer,San Francisco`,
    );
  }
  return lines.join('\r\n') + '\r\n';
}
