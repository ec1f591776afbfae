/**
 * The smallest possible function: what `require` of a bundle costs before any code of ours or the SDK's
 * (scripts/bundles.ts prints it as the measurement's own floor).
 */
export const handler = async (): Promise<void> => undefined;
