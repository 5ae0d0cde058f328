export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`fdwarden: not yet: ${argv.join(' ')}\n`);
  return 1;
}
