/**
 * Where `npm start` keeps what survives a restart, and the lock that keeps a second process out of it.
 *
 *   LOCAL_DATA_DIR (default .local-data)
 *     dynamodb/               the embedded DynamoDB's tables (dynalite on LevelDB)
 *     cloud/                  the simulated CloudFormation + EC2: one file per stack, one for the instances
 *     lock/                   held while a process uses the folder (a LevelDB lock: the OS releases it if we die)
 *     local-endpoints.json    where `npm run keys -- --local` finds the running process's DynamoDB
 *
 * Before the cloud was persisted, LOCAL_DATA_DIR named the DynamoDB folder itself (default .local-data/dynamodb,
 * which is the new layout's dynamodb/ folder). Such a folder still works: its tables stay where they are and the
 * cloud goes next to it, in `<folder>-cloud`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';

export const DEFAULT_DATA_DIR = '.local-data';

export interface LocalDataLayout {
  root: string;
  dynamodb: string;
  cloud: string;
  lock: string;
  endpointsFile: string;
}

/** A LevelDB folder has a CURRENT file: the old layout's DynamoDB folder. */
const isLevelDb = (dir: string): boolean => existsSync(join(dir, 'CURRENT'));

export function localDataLayout(dataDir: string = process.env.LOCAL_DATA_DIR ?? DEFAULT_DATA_DIR): LocalDataLayout {
  const root = resolve(dataDir);
  if (isLevelDb(root)) {
    const sibling = (suffix: string) => join(dirname(root), `${basename(root)}-${suffix}`);
    return { root, dynamodb: root, cloud: sibling('cloud'), lock: sibling('lock'), endpointsFile: join(dirname(root), 'local-endpoints.json') };
  }
  return { root, dynamodb: join(root, 'dynamodb'), cloud: join(root, 'cloud'), lock: join(root, 'lock'), endpointsFile: join(root, 'local-endpoints.json') };
}

/** Another process (a second `npm start`) holds the data folder. */
export class DataDirInUseError extends Error {
  constructor(readonly dir: string, options: { cause?: unknown } = {}) {
    super(`another swarm-provisioner is using ${dir}; stop it or set LOCAL_DATA_DIR`, options);
    this.name = 'DataDirInUseError';
  }
}

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Takes the folder's lock, or throws DataDirInUseError. The lock is a LevelDB database held open (the LevelDB that
 * dynalite already brings): LevelDB locks its folder with an OS file lock, which the OS releases when the process
 * ends however it ends, so a crash never leaves a stale lock behind. Resolves with the release.
 */
export async function lockDataDir(layout: LocalDataLayout): Promise<() => Promise<void>> {
  mkdirSync(dirname(layout.lock), { recursive: true });
  // dynalite's own LevelDB binding: no second native module to install.
  const { Level } = createRequire(require.resolve('dynalite'))('level') as { Level: new (path: string) => LevelLike };
  const db = new Level(layout.lock);
  try {
    await db.open();
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') throw new DataDirInUseError(layout.root, { cause: error });
    throw error;
  }
  return () => db.close();
}
