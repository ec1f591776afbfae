// Types of scripts/function-roles.js for the tests that read its table.
export declare const FUNCTION_PERMISSIONS: Record<string, string[]>;
export declare function roleId(functionName: string): string;
export declare function resources(context: { resolveConfigurationProperty: (path: string[]) => Promise<unknown> }): Promise<{ Resources: Record<string, unknown> }>;
