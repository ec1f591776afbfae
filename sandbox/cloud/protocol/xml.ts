/** A value in a query-protocol XML response; undefined members are left out, as AWS leaves out unset fields. */
export type XmlValue = string | number | boolean | Date | undefined | XmlList | XmlObject;

export interface XmlObject {
  readonly [element: string]: XmlValue;
}

/** A list: CloudFormation wraps each entry in `<member>`, EC2 in `<item>`. */
export class XmlList {
  constructor(
    readonly entryName: string,
    readonly entries: readonly XmlValue[],
  ) {}
}

export const members = (entries: readonly XmlValue[]): XmlList => new XmlList('member', entries);
export const items = (entries: readonly XmlValue[]): XmlList => new XmlList('item', entries);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);

const content = (value: Exclude<XmlValue, undefined>): string => {
  if (value instanceof XmlList) return value.entries.map((entry) => element(value.entryName, entry)).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return Object.entries(value).map(([name, child]) => element(name, child)).join('');
  return escapeXml(String(value));
};

export const element = (name: string, value: XmlValue): string =>
  value === undefined ? '' : `<${name}>${content(value)}</${name}>`;

export const xmlDocument = (rootName: string, namespace: string | undefined, body: XmlObject): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${rootName}${namespace ? ` xmlns="${namespace}"` : ''}>${content(body)}</${rootName}>`;
