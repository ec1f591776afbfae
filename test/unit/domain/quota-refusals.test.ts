/**
 * The 429 a create over quota gets: which limit, in words the owner can act on, with the numbers in the problem's
 * extensions (RFC 9457 problem details, https://www.rfc-editor.org/rfc/rfc9457#name-extension-members).
 */
import { QuotaExceededError } from '../../../src/domain/errors';
import { quotaBreach, quotaExceeded } from '../../../src/domain/quota';

describe('a create refused for its quota', () => {
  it('says how many clusters may be active when that is the limit reached', () => {
    // Act
    const error = quotaExceeded({ limit: 'activeClusters', max: 3, current: 3, requested: 1 });

    // Assess
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.message).toBe('You may have at most 3 active clusters and 3 are active; delete one first.');
    expect(error.extensions).toEqual({ quota: { limit: 'activeClusters', max: 3, current: 3, requested: 1 } });
  });

  it('checks the cluster count before the instance count', () => {
    // Act: both limits would be broken; the first one named is the cluster count.
    const breach = quotaBreach({ activeClusters: 3, instances: 20 }, { maxActiveClusters: 3, maxInstances: 20 }, 8);

    // Assess
    expect(breach?.limit).toBe('activeClusters');
  });

  it('lets in a cluster that fills the instance quota exactly', () => {
    // Act / Assess
    expect(quotaBreach({ activeClusters: 0, instances: 12 }, { maxActiveClusters: 1, maxInstances: 20 }, 8)).toBeUndefined();
    expect(quotaBreach({ activeClusters: 0, instances: 13 }, { maxActiveClusters: 1, maxInstances: 20 }, 8)).toMatchObject({ limit: 'instances', current: 13, requested: 8 });
  });
});
