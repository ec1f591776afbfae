// Types of scripts/console-page.js for the sandbox and the tests that build the console's page from source.
export declare function buildConsolePage(): Promise<{ html: string; csp: string }>;
