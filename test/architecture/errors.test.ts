/**
 * One home for errors (docs/architecture.md, "Errors"): the domain and the use cases declare error classes only in
 * src/domain/errors.ts, so a port's error is something a use case can import and recognise with instanceof.
 * dependency-cruiser sees imports, not declarations, hence this scan.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const HOME = join(ROOT, 'src', 'domain', 'errors.ts');

/** The names of the classes in `source` that extend an Error class (by the `...Error` naming every one of ours follows). */
function errorClassesIn(source: string): string[] {
  return [...source.matchAll(/\bclass\s+(\w+)\s+extends\s+(\w*Error)\b/g)].map((match) => match[1]!);
}

function typeScriptFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('one home for errors', () => {
  it('finds an error class however it is exported, and ignores other classes', () => {
    const source = 'export class ClusterGoneError extends Error {}\nclass Quiet extends ProblemError {}\nclass Plain extends Base {}';

    expect(errorClassesIn(source)).toEqual(['ClusterGoneError', 'Quiet']);
  });

  it('declares no error class in the domain or the use cases outside src/domain/errors.ts', () => {
    const files = [...typeScriptFilesUnder(join(ROOT, 'src', 'domain')), ...typeScriptFilesUnder(join(ROOT, 'src', 'use-cases'))].filter((file) => file !== HOME);

    const strays = files.flatMap((file) => errorClassesIn(readFileSync(file, 'utf8')).map((name) => `${relative(ROOT, file)}: ${name}`));

    expect(files.length).toBeGreaterThan(10);
    expect(strays).toEqual([]);
  });

  it('keeps the errors the use cases act on in src/domain/errors.ts', () => {
    const declared = errorClassesIn(readFileSync(HOME, 'utf8'));

    expect(declared).toEqual(expect.arrayContaining(['StaleClusterError', 'ClusterMissingError', 'StackAlreadyExistsError', 'StackNameTakenError', 'StaleDeliveryError', 'DeliveryMissingError']));
  });
});
