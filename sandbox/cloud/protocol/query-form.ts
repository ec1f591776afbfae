import type { Filter } from '../domain/instance-query';

/**
 * Reads the form fields of the AWS query protocols. CloudFormation numbers list entries as `Name.member.N`
 * (`Parameters.member.1.ParameterKey`); EC2 flattens them to `Name.N` (`Filter.1.Value.2`).
 */
export class QueryForm {
  private readonly fields: URLSearchParams;

  constructor(body: string) {
    this.fields = new URLSearchParams(body);
  }

  get(name: string): string | undefined {
    return this.fields.get(name) ?? undefined;
  }

  number(name: string): number | undefined {
    const value = this.get(name);
    return value === undefined || value.trim() === '' ? undefined : Number(value);
  }

  boolean(name: string): boolean | undefined {
    const value = this.get(name);
    return value === undefined ? undefined : value === 'true';
  }

  /** `prefix.1`, `prefix.2`, ... while present. */
  list(prefix: string): string[] {
    const values: string[] = [];
    for (let index = 1; ; index += 1) {
      const value = this.get(`${prefix}.${index}`);
      if (value === undefined) return values;
      values.push(value);
    }
  }

  /** Entries `prefix.N.<field>` for N = 1, 2, ... while any field of entry N is present. */
  structures<K extends string>(prefix: string, fields: readonly K[]): Partial<Record<K, string>>[] {
    const entries: Partial<Record<K, string>>[] = [];
    for (let index = 1; ; index += 1) {
      const entry: Partial<Record<K, string>> = {};
      for (const field of fields) {
        const value = this.get(`${prefix}.${index}.${field}`);
        if (value !== undefined) entry[field] = value;
      }
      if (Object.keys(entry).length === 0) return entries;
      entries.push(entry);
    }
  }

  /** EC2 `Filter.N.Name` with its values `Filter.N.Value.M`. */
  filters(): Filter[] {
    const filters: Filter[] = [];
    for (let index = 1; ; index += 1) {
      const name = this.get(`Filter.${index}.Name`);
      if (name === undefined) return filters;
      filters.push({ name, values: this.list(`Filter.${index}.Value`) });
    }
  }
}
