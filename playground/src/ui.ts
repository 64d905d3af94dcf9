/**
 * Small DOM helpers for the playground: elements, labelled controls (every
 * control has a <label>), number formatting. No framework: each tab re-renders
 * its charts from its own state when a control changes.
 */

type Attrs = Record<string, string | number | boolean | undefined>;

/** An element with attributes (false/undefined ones left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  e.append(...children);
  return e;
}

let nextId = 0;
/** A fresh element id with a readable prefix. */
export const uid = (prefix: string): string => `${prefix}-${++nextId}`;

export interface SliderSpec {
  /** The visible label (also the accessible name of both inputs). */
  label: string;
  /** data-control name, for tests and styling. */
  name: string;
  min: number;
  max: number;
  step: number;
  value: number;
  /** The slider moves log10 of the value (the number box takes the value itself). */
  log?: boolean;
  /** Shown after the label, e.g. the option name. */
  hint?: string;
}

/**
 * A labelled slider with a number box beside it, kept in step; calls `onChange`
 * with the new value on every move or edit. Returns the row and a setter.
 */
export function slider(spec: SliderSpec, onChange: (v: number) => void) {
  const id = uid(spec.name);
  const toSlider = (v: number) => (spec.log ? Math.log10(v) : v);
  const fromSlider = (s: number) => (spec.log ? 10 ** s : s);
  const range = el('input', {
    type: 'range',
    id,
    min: toSlider(spec.min),
    max: toSlider(spec.max),
    step: spec.log ? 0.01 : spec.step,
    value: toSlider(spec.value),
    'data-control': spec.name,
  });
  const box = el('input', {
    type: 'number',
    min: spec.min,
    max: spec.max,
    step: spec.log ? 'any' : spec.step,
    value: spec.value,
    'aria-label': `${spec.label} (number)`,
    'data-control': `${spec.name}-number`,
  });
  range.addEventListener('input', () => {
    const v = +fromSlider(+range.value).toPrecision(6);
    box.value = String(v);
    onChange(v);
  });
  box.addEventListener('input', () => {
    const v = +box.value;
    if (box.value === '' || !Number.isFinite(v) || v < spec.min || v > spec.max) return;
    range.value = String(toSlider(v));
    onChange(v);
  });
  const label = el('label', { for: id }, spec.label);
  if (spec.hint) label.append(' ', el('code', {}, spec.hint));
  const row = el('div', { class: 'control' }, label, range, box);
  const set = (v: number) => {
    range.value = String(toSlider(v));
    box.value = String(v);
  };
  /** Grey the slider out (its value stays, for when it is turned on again). */
  const enable = (on: boolean) => {
    range.disabled = !on;
    box.disabled = !on;
    row.classList.toggle('off', !on);
  };
  return { row, set, enable };
}

/** A labelled checkbox. */
export function checkbox(
  label: string,
  name: string,
  checked: boolean,
  onChange: (on: boolean) => void,
) {
  const id = uid(name);
  const box = el('input', { type: 'checkbox', id, checked, 'data-control': name });
  box.addEventListener('change', () => onChange(box.checked));
  return el('div', { class: 'control check' }, box, el('label', { for: id }, label));
}

/** A labelled <select>. */
export function select<T extends string>(
  label: string,
  name: string,
  options: readonly { value: T; text: string }[],
  value: T,
  onChange: (v: T) => void,
) {
  const id = uid(name);
  const s = el('select', { id, 'data-control': name });
  for (const o of options)
    s.append(el('option', { value: o.value, selected: o.value === value }, o.text));
  s.addEventListener('change', () => onChange(s.value as T));
  return el('div', { class: 'control' }, el('label', { for: id }, label), s);
}

/** A titled box of controls in a tab's side column. */
export interface SidePanel {
  title: string;
  body: (Node | string)[];
}

/**
 * The layout every tab shares, appended to the tab's panel: a side column of
 * titled control panels and a main column (the figures and results).
 */
export function tabLayout(
  panel: HTMLElement,
  side: readonly SidePanel[],
  main: readonly (Node | string)[],
): void {
  panel.append(
    el(
      'div',
      { class: 'layout' },
      el(
        'div',
        {},
        ...side.map((p) => el('div', { class: 'panel' }, el('h2', {}, p.title), ...p.body)),
      ),
      el('div', {}, ...main),
    ),
  );
}

/** A number for people: −∞ and 0 spelled out, else `digits` significant decimals. */
export function fmt(v: number, digits = 3): string {
  if (v === Number.NEGATIVE_INFINITY) return '−∞';
  if (v === Number.POSITIVE_INFINITY) return '∞';
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return '0';
  return v.toFixed(digits).replace('-', '−');
}
