/** Counts in words: English plurals in -s, the singular for exactly one (0 takes the plural: "0 workers"). */
import { counted, nodeCounts, plural } from '../../../src/domain/words';

describe('a count in words', () => {
  it.each([
    [0, 'worker', '0 workers'],
    [1, 'worker', '1 worker'],
    [2, 'worker', '2 workers'],
    [1, 'availability zone', '1 availability zone'],
    [3, 'running manager', '3 running managers'],
  ])('%i %s: %s', (count, noun, words) => {
    expect(counted(count, noun)).toBe(words);
  });

  it('gives the noun alone, for counts written apart from it ("2 × t3.large workers")', () => {
    expect([plural(1, 'worker'), plural(2, 'worker'), plural(0, 'worker')]).toEqual(['worker', 'workers', 'workers']);
  });

  it('says a cluster’s shape, managers first', () => {
    expect(nodeCounts({ managers: 1, workers: 1 })).toBe('1 manager and 1 worker');
    expect(nodeCounts({ managers: 3, workers: 0 })).toBe('3 managers and 0 workers');
  });
});
