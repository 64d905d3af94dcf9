/**
 * The softmax-kit playground: one page, accessible tabs (WAI-ARIA tabs pattern:
 * role tablist/tab/tabpanel, arrow keys move between tabs), each tab built the
 * first time it is shown. The URL's hash names the open tab (#attention).
 */
import { initWasm } from 'softmax-kit';
import { attentionTab } from './attention.js';
import { calibrationTab } from './calibration.js';
import { normalizersTab } from './normalizers.js';
import { samplingTab } from './sampling.js';
import { speedTab } from './speed.js';
import { el } from './ui.js';

/** A tab: its name (also the hash), its label, and a function that fills its panel. */
export interface Tab {
  id: string;
  label: string;
  mount(panel: HTMLElement): void;
}

const TABS: Tab[] = [normalizersTab, attentionTab, samplingTab, calibrationTab, speedTab];

function start(): void {
  const list = document.getElementById('tabs')!;
  const panels = document.getElementById('panels')!;
  const mounted = new Set<string>();
  const buttons = TABS.map((t) =>
    el(
      'button',
      { role: 'tab', id: `tab-${t.id}`, 'aria-controls': `panel-${t.id}`, 'data-tab': t.id },
      t.label,
    ),
  );
  const sections = TABS.map((t) =>
    el('section', {
      role: 'tabpanel',
      id: `panel-${t.id}`,
      'aria-labelledby': `tab-${t.id}`,
      tabindex: 0,
    }),
  );
  list.append(...buttons);
  panels.append(...sections);

  function show(i: number, focus = false): void {
    TABS.forEach((t, j) => {
      const on = i === j;
      buttons[j]!.setAttribute('aria-selected', String(on));
      buttons[j]!.tabIndex = on ? 0 : -1;
      sections[j]!.hidden = !on;
      if (on && !mounted.has(t.id)) {
        mounted.add(t.id);
        t.mount(sections[j]!);
      }
    });
    if (focus) buttons[i]!.focus();
    history.replaceState(null, '', `#${TABS[i]!.id}`);
  }
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => show(i));
    b.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (d !== 0) show((i + d + TABS.length) % TABS.length, true);
      else if (e.key === 'Home') show(0, true);
      else if (e.key === 'End') show(TABS.length - 1, true);
    });
  });
  const fromHash = () =>
    Math.max(
      0,
      TABS.findIndex((t) => `#${t.id}` === location.hash),
    );
  window.addEventListener('hashchange', () => show(fromHash()));
  show(fromHash());
}

const status = document.getElementById('status')!;
initWasm()
  .then((k) => {
    status.textContent = `WebAssembly kernels ready (SIMD${k.relaxedSimd ? ', relaxed SIMD' : ''}; ${
      k.sharedMemory ? 'shared memory: threads available' : 'not cross-origin isolated: one thread'
    })`;
    status.setAttribute('data-ready', 'true');
  })
  .catch((e: unknown) => {
    status.textContent = `WebAssembly unavailable (${String(e)}); the JavaScript kernels run`;
    status.setAttribute('data-ready', 'true');
  });
start();
