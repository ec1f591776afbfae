/**
 * `#/new`: the create form, built from the served OpenAPI document's ClusterRequest schema. While the fields are
 * valid it shows the dry run's cost (`POST /clusters?dryRun=true`, nothing created) before anything is created; a 422
 * (from the dry run or the create) puts each problem `errors` entry under the field it names.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { formFields, initialValues, offersDryRun, requestBody, type FormField, type FormValues } from './schema-form';
import { useApi, useFocusOnOpen } from './shared';

interface Estimate {
  currency: string;
  hourly: number;
  monthly: number;
  lines: { item: string; hourly: number; monthly: number }[];
  source: string;
  priceDate: string;
}

type EstimateState =
  | { state: 'waiting'; reason: string }
  | { state: 'loading' }
  | { state: 'ready'; estimate: Estimate; resources: { type: string; count: number }[] }
  | { state: 'unavailable'; reason: string };

const money = (value: number, currency: string) => `${currency === 'USD' ? 'US$' : `${currency} `}${value.toFixed(value < 1 ? 4 : 2)}`;
const fieldId = (name: string) => `field-${name.replace(/\W/g, '-')}`;

function fieldErrors(failure: unknown): { byField: Record<string, string>; general?: string } {
  if (!(failure instanceof ApiError)) return { byField: {}, general: 'Could not reach the API.' };
  const byField: Record<string, string> = {};
  for (const error of failure.problem?.errors ?? []) byField[error.field] = byField[error.field] ? `${byField[error.field]}; ${error.message}` : error.message;
  return { byField, general: failure.status === 422 && Object.keys(byField).length > 0 ? undefined : failure.message };
}

function Field({ field, value, error, onChange }: { field: FormField; value: string | boolean | undefined; error?: string; onChange: (value: string | boolean) => void }) {
  const id = fieldId(field.name);
  const described = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const common = { id, name: field.name, 'aria-describedby': described, 'aria-invalid': error ? 'true' : undefined, required: field.required };
  let control;
  if (field.kind === 'checkbox') control = html`<input type="checkbox" ...${common} checked=${value === true} onChange=${(e: Event) => onChange((e.target as HTMLInputElement).checked)} />`;
  else if (field.kind === 'select') {
    control = html`<select ...${common} value=${String(value ?? '')} onChange=${(e: Event) => onChange((e.target as HTMLSelectElement).value)}>
      ${field.default === undefined && html`<option value="">(not set)</option>`}
      ${(field.options ?? []).map((option) => html`<option value=${String(option)}>${String(option)}</option>`)}
    </select>`;
  } else if (field.kind === 'number') {
    control = html`<input type="number" inputmode="numeric" ...${common} min=${field.min} max=${field.max} step=${field.integer ? 1 : 'any'} value=${String(value ?? '')} onInput=${(e: Event) => onChange((e.target as HTMLInputElement).value)} />`;
  } else control = html`<input type="text" ...${common} value=${String(value ?? '')} onInput=${(e: Event) => onChange((e.target as HTMLInputElement).value)} />`;
  return html`
    <div class=${`field field-${field.kind}${error ? ' invalid' : ''}`}>
      <label for=${id}>${field.name}</label>${field.required ? html` <span class="required" aria-hidden="true">*</span>` : ''}
      ${control}
      <p class="hint" id=${`${id}-hint`}>${field.hint}</p>
      ${error && html`<p class="error" id=${`${id}-error`}>${field.name}: ${error}</p>`}
    </div>
  `;
}

function EstimateView({ estimate }: { estimate: EstimateState }) {
  if (estimate.state === 'waiting') return html`<p>${estimate.reason}</p>`;
  if (estimate.state === 'loading') return html`<p>Estimating…</p>`;
  if (estimate.state === 'unavailable') return html`<p>Estimate unavailable: ${estimate.reason}</p>`;
  const { estimate: cost, resources } = estimate;
  return html`
    <p class="total"><strong>${money(cost.hourly, cost.currency)} per hour</strong>, about <strong>${money(cost.monthly, cost.currency)} per month</strong></p>
    <table>
      <caption>Cost by item (${cost.source}, prices of ${cost.priceDate})</caption>
      <thead><tr><th scope="col">Item</th><th scope="col">Per hour</th><th scope="col">Per month</th></tr></thead>
      <tbody>${cost.lines.map((line) => html`<tr><th scope="row">${line.item}</th><td>${money(line.hourly, cost.currency)}</td><td>${money(line.monthly, cost.currency)}</td></tr>`)}</tbody>
    </table>
    ${resources.length > 0 && html`<p>Creates ${resources.map((resource) => `${resource.count} × ${resource.type}`).join(', ')}.</p>`}
  `;
}

export function CreateCluster() {
  const client = useApi();
  const heading = useFocusOnOpen<HTMLHeadingElement>('create');
  const [document, setDocument] = useState<unknown>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [fields, setFields] = useState<FormField[]>([]);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>();
  const [estimate, setEstimate] = useState<EstimateState>({ state: 'waiting', reason: 'Enter a name to see what this cluster would cost.' });
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // One Idempotency-Key per request body: pressing Create again after a lost answer creates nothing twice.
  const idempotency = useRef<{ body: string; key: string } | undefined>(undefined);
  const sequence = useRef(0);

  useEffect(() => {
    client.request<unknown>('GET', '/openapi.json').then(
      ({ body }) => {
        const built = formFields(body);
        setDocument(body);
        setFields(built);
        setValues(initialValues(built));
      },
      (failure: Error) => setLoadError(`Could not read the API description (GET /openapi.json): ${failure.message}`),
    );
  }, [client]);

  // The dry run, 400 ms after the last change: the estimate follows the form.
  useEffect(() => {
    if (!document) return undefined;
    if (!values.name) {
      setEstimate({ state: 'waiting', reason: 'Enter a name to see what this cluster would cost.' });
      return undefined;
    }
    if (!offersDryRun(document)) {
      setEstimate({ state: 'unavailable', reason: 'this API has no dry run (POST /clusters?dryRun=true is not in its OpenAPI document).' });
      return undefined;
    }
    const mine = ++sequence.current;
    const timer = setTimeout(() => {
      setEstimate({ state: 'loading' });
      client.request<{ dryRun?: boolean; estimate?: Estimate; resources?: { type: string; count: number }[] }>('POST', '/clusters?dryRun=true', { body: requestBody(fields, values) }).then(
        ({ status, body }) => {
          if (mine !== sequence.current) return;
          if (status === 200 && body?.dryRun === true && body.estimate) {
            setErrors({});
            setEstimate({ state: 'ready', estimate: body.estimate, resources: body.resources ?? [] });
          } else setEstimate({ state: 'unavailable', reason: `the dry run answered ${status} without an estimate.` });
        },
        (failure: unknown) => {
          if (mine !== sequence.current) return;
          const found = fieldErrors(failure);
          if (failure instanceof ApiError && failure.status === 422 && Object.keys(found.byField).length > 0) {
            setErrors(found.byField);
            setEstimate({ state: 'unavailable', reason: 'fix the fields marked above.' });
          } else setEstimate({ state: 'unavailable', reason: failure instanceof ApiError ? `the dry run answered ${failure.status}${failure.problem?.detail ? ` (${failure.problem.detail})` : ''}.` : 'could not reach the API.' });
        },
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [document, values]);

  const change = (name: string) => (value: string | boolean) => {
    setValues((current) => ({ ...current, [name]: value }));
    setErrors(({ [name]: _fixed, ...rest }) => rest);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = requestBody(fields, values);
    const serialized = JSON.stringify(body);
    if (idempotency.current?.body !== serialized) idempotency.current = { body: serialized, key: crypto.randomUUID() };
    setBusy(true);
    setGeneral(undefined);
    try {
      const { body: created } = await client.request<{ id: string; webhookSecret?: string }>('POST', '/clusters', { body, headers: { 'idempotency-key': idempotency.current.key } });
      if (created.webhookSecret) sessionStorage.setItem(`swarm-provisioner.console.webhookSecret.${created.id}`, created.webhookSecret);
      location.hash = `#/clusters/${created.id}`;
    } catch (failure) {
      const found = fieldErrors(failure);
      setErrors(found.byField);
      setGeneral(found.general);
      // The first field at fault takes the focus, so the keyboard lands where the fix is.
      const first = fields.find((field) => found.byField[field.name]);
      if (first) setTimeout(() => formRef.current?.querySelector<HTMLElement>(`#${fieldId(first.name)}`)?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  const unknownErrors = Object.entries(errors).filter(([name]) => !fields.some((field) => field.name === name));
  return html`
    <section aria-labelledby="create-heading">
      <h1 id="create-heading" tabindex="-1" ref=${heading}>Create a cluster</h1>
      ${loadError && html`<p role="alert" class="error">${loadError}</p>`}
      ${fields.length > 0 &&
      html`
        <form ref=${formRef} onSubmit=${submit} aria-labelledby="create-heading" novalidate>
          <p>Fields marked * are required (their hint says so too); the others start at the API's defaults.</p>
          <div class="fields">
            ${fields.map((field) => html`<${Field} key=${field.name} field=${field} value=${values[field.name]} error=${errors[field.name]} onChange=${change(field.name)} />`)}
          </div>
          ${unknownErrors.length > 0 && html`<ul class="error">${unknownErrors.map(([name, message]) => html`<li>${name}: ${message}</li>`)}</ul>`}
          <section aria-labelledby="estimate-heading" class="estimate">
            <h2 id="estimate-heading">Estimated cost</h2>
            <div role="status" aria-live="polite" id="estimate">
              <${EstimateView} estimate=${estimate} />
            </div>
          </section>
          ${general && html`<p role="alert" class="error">${general}</p>`}
          <button type="submit" disabled=${busy}>Create cluster</button>
        </form>
      `}
    </section>
  `;
}
