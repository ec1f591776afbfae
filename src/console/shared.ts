/** What the views share: the API in use, the cluster's shape as the console reads it, polling, focus on navigation. */
import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { Api } from './api';

export const ApiContext = createContext<Api | undefined>(undefined);

export function useApi(): Api {
  const value = useContext(ApiContext);
  if (!value) throw new Error('no API: the views render only once signed in');
  return value;
}

export interface Progress {
  resourcesDone: number;
  resourcesTotal: number;
  inProgress: string[];
  updatedAt: string;
}

export interface ClusterNode {
  instanceId: string;
  role: string;
  availabilityZone: string;
  state: string;
  instanceType?: string;
  privateIp?: string;
}

export interface Cluster {
  id: string;
  name: string;
  region: string;
  status: string;
  statusReason: string;
  parameters: Record<string, unknown>;
  outputs: Record<string, string>;
  progress?: Progress;
  requestedAt: string;
  webhook?: { url: string };
}

/** Statuses a cluster stays in until someone acts: polled slowly. */
export const SETTLED = ['READY', 'FAILED', 'DELETED', 'DELETE_FAILED', 'HIBERNATED', 'UPDATE_FAILED'];

/** Calls `tick` now and then every `intervalMs` while mounted (and while `enabled`); a tick never overlaps the next. */
export function usePoll(tick: () => Promise<void>, intervalMs: number, enabled = true, key: unknown = undefined): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!enabled) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await latest.current();
      } finally {
        if (!stopped) timer = setTimeout(run, intervalMs);
      }
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, enabled, key]);
}

/** Moves focus to the view's heading when the view opens, so a screen reader starts reading where the page changed. */
export function useFocusOnOpen<T extends HTMLElement>(key: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
  return ref;
}

export const time = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '');

export function progressText(progress: Progress | undefined): string {
  return progress ? `${progress.resourcesDone} of ${progress.resourcesTotal} resources` : 'not started';
}
