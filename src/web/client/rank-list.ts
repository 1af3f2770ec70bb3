/**
 * The sortable list of candidate answers, best first. One DOM order is the ranking;
 * a card's "tied" mark puts it in the same tier as the card above, and its "much worse"
 * mark says its tier is much worse than the one above (a gap of 1 between the two tiers,
 * which the reward model reads as a margin; Llama 2's "significantly better").
 *
 * Three ways to rank, all equal: drag a card by its header (pointer events, so mouse,
 * pen and touch work alike); the keyboard on a focused card (↑/↓ move it, Home/End to
 * top/bottom, 1–9 put it at that position, T ties it with the card above, M marks it much
 * worse); and the ↑/↓/tie/much-worse buttons on each card (an alternative to dragging for
 * anyone who cannot drag). Every move is announced in a live region.
 */
import { el, flagLabel, letter } from './dom.js';

export interface RankCandidate {
  id: string;
  text: string;
}

export interface RankDraft {
  order: string[];
  tied: string[];
  /** Absent in drafts saved before the mark existed. */
  muchWorse?: string[];
  flags: Record<string, string[]>;
}

/** The gap a "much worse than above" mark puts between two tiers, in reward units. */
const MUCH_WORSE_GAP = 1;

export class RankList {
  readonly root: HTMLOListElement;
  private readonly cards = new Map<string, HTMLLIElement>();
  private readonly labels = new Map<string, string>();
  private readonly tied = new Set<string>();
  private readonly muchWorse = new Set<string>();

  constructor(
    candidates: readonly RankCandidate[],
    private readonly flagNames: readonly string[],
    lang: string | null,
    private readonly onChange: () => void,
    private readonly announce: (message: string) => void,
  ) {
    this.root = el('ol', {
      id: 'ranking',
      class: 'rank-list',
      'aria-label': 'Answers, best first',
      'aria-describedby': 'rank-help',
    });
    candidates.forEach((c, i) => {
      this.labels.set(c.id, `Answer ${letter(i)}`);
      const card = this.buildCard(c, lang);
      this.cards.set(c.id, card);
      this.root.append(card);
    });
    this.refresh();
  }

  /** Candidate ids in their current order. */
  order(): string[] {
    return Array.from(this.root.children, (li) => (li as HTMLElement).dataset.id!);
  }

  /** The ranking as tiers, best first (what the API takes). */
  tiers(): string[][] {
    const out: string[][] = [];
    for (const id of this.order()) {
      if (out.length > 0 && this.tied.has(id)) out[out.length - 1].push(id);
      else out.push([id]);
    }
    return out;
  }

  /**
   * How much worse each tier is than the one above (one per pair of adjacent tiers), or null when
   * no card is marked: then the ranking only orders.
   */
  gaps(): number[] | null {
    const gaps: number[] = [];
    const order = this.order();
    order.forEach((id, i) => {
      if (i > 0 && !this.tied.has(id)) gaps.push(this.muchWorse.has(id) ? MUCH_WORSE_GAP : 0);
    });
    return gaps.some((g) => g > 0) ? gaps : null;
  }

  flags(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [id, card] of this.cards) {
      const on = Array.from(
        card.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked'),
        (b) => b.value,
      );
      if (on.length > 0) out[id] = on;
    }
    return out;
  }

  draft(): RankDraft {
    return { order: this.order(), tied: [...this.tied], muchWorse: [...this.muchWorse], flags: this.flags() };
  }

  /** Puts back a saved draft (ignored if it names other candidates). */
  restore(d: RankDraft): void {
    const ids = new Set(this.cards.keys());
    if (d.order.length !== ids.size || !d.order.every((id) => ids.has(id))) return;
    for (const id of d.order) this.root.append(this.cards.get(id)!);
    this.tied.clear();
    for (const id of d.tied) if (ids.has(id)) this.tied.add(id);
    this.muchWorse.clear();
    for (const id of d.muchWorse ?? []) if (ids.has(id)) this.muchWorse.add(id);
    for (const [id, card] of this.cards) {
      card.querySelectorAll<HTMLInputElement>('input[type=checkbox]').forEach((box) => {
        box.checked = (d.flags[id] ?? []).includes(box.value);
      });
    }
    this.refresh();
  }

  private buildCard(c: RankCandidate, lang: string | null): HTMLLIElement {
    const label = this.labels.get(c.id)!;
    const rank = el('span', { class: 'rank', 'aria-hidden': 'true' });
    const up = el('button', {
      type: 'button',
      class: 'icon',
      'aria-label': `Move ${label} up`,
      title: 'Move up (↑)',
      text: '↑',
    });
    const down = el('button', {
      type: 'button',
      class: 'icon',
      'aria-label': `Move ${label} down`,
      title: 'Move down (↓)',
      text: '↓',
    });
    const tie = el('button', {
      type: 'button',
      class: 'tie',
      'aria-pressed': 'false',
      title: 'Tie with the answer above (T)',
      text: 'Tie with above',
    });
    const worse = el('button', {
      type: 'button',
      class: 'much-worse',
      'aria-pressed': 'false',
      title: 'Much worse than the answer above (M)',
      text: 'Much worse',
    });
    const head = el(
      'div',
      { class: 'card-head', title: 'Drag to move' },
      el('span', { class: 'grip', 'aria-hidden': 'true', text: '⠿' }),
      rank,
      el('span', { class: 'card-label', text: label }),
      el('span', { class: 'spacer' }),
      up,
      down,
      tie,
      worse,
    );
    const text = el('div', { class: 'card-text', lang: lang ?? undefined, text: c.text });
    const flagBoxes = el(
      'fieldset',
      { class: 'flags' },
      el('legend', { text: `Problems in ${label}` }),
      ...this.flagNames.map((f) =>
        el('label', {}, el('input', { type: 'checkbox', value: f }), ` ${flagLabel(f)}`),
      ),
    );
    const card = el(
      'li',
      { class: 'card', tabindex: '0', 'data-id': c.id, 'aria-roledescription': 'rankable answer' },
      head,
      text,
      flagBoxes,
    );

    up.addEventListener('click', () => this.moveTo(card, this.indexOf(card) - 1, false));
    down.addEventListener('click', () => this.moveTo(card, this.indexOf(card) + 1, false));
    tie.addEventListener('click', () => this.toggleTie(card));
    worse.addEventListener('click', () => this.toggleMuchWorse(card));
    flagBoxes.addEventListener('change', () => this.onChange());
    card.addEventListener('keydown', (e) => this.onKey(card, e));
    this.enableDrag(card, head);
    return card;
  }

  private indexOf(card: HTMLLIElement): number {
    return Array.prototype.indexOf.call(this.root.children, card);
  }

  private onKey(card: HTMLLIElement, e: KeyboardEvent): void {
    if (e.target !== card || e.altKey || e.ctrlKey || e.metaKey) return;
    const i = this.indexOf(card);
    const n = this.cards.size;
    let to: number | null = null;
    if (e.key === 'ArrowUp') to = i - 1;
    else if (e.key === 'ArrowDown') to = i + 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = n - 1;
    else if (/^[1-9]$/.test(e.key)) to = Number(e.key) - 1;
    else if (e.key === 't' || e.key === 'T') {
      e.preventDefault();
      this.toggleTie(card);
      return;
    } else if (e.key === 'm' || e.key === 'M') {
      e.preventDefault();
      this.toggleMuchWorse(card);
      return;
    }
    if (to === null) return;
    e.preventDefault();
    this.moveTo(card, to, true);
  }

  /** Moves a card to position `to` (clamped); a moved card loses its tie and much-worse marks. */
  private moveTo(card: HTMLLIElement, to: number, keepFocus: boolean): void {
    const from = this.indexOf(card);
    const target = Math.max(0, Math.min(this.cards.size - 1, to));
    if (target === from) return;
    card.remove();
    const ref = this.root.children[target] ?? null;
    this.root.insertBefore(card, ref);
    this.tied.delete(card.dataset.id!);
    this.muchWorse.delete(card.dataset.id!);
    this.refresh();
    if (keepFocus) card.focus();
    this.announce(
      `${this.labels.get(card.dataset.id!)} moved to position ${target + 1} of ${this.cards.size}.`,
    );
    this.onChange();
  }

  private toggleTie(card: HTMLLIElement): void {
    const id = card.dataset.id!;
    const label = this.labels.get(id)!;
    if (this.indexOf(card) === 0) {
      this.announce(`${label} is first: there is no answer above to tie with.`);
      return;
    }
    if (this.tied.has(id)) this.tied.delete(id);
    else this.tied.add(id);
    this.refresh();
    this.announce(this.tied.has(id) ? `${label} tied with the answer above.` : `${label} no longer tied.`);
    this.onChange();
  }

  /** Marks a card's tier as much worse than the one above (not for the first card or a tied one). */
  private toggleMuchWorse(card: HTMLLIElement): void {
    const id = card.dataset.id!;
    const label = this.labels.get(id)!;
    if (this.indexOf(card) === 0 || this.tied.has(id)) {
      this.announce(`${label} has no answer above it in another rank to be much worse than.`);
      return;
    }
    if (this.muchWorse.has(id)) this.muchWorse.delete(id);
    else this.muchWorse.add(id);
    this.refresh();
    this.announce(
      this.muchWorse.has(id)
        ? `${label} marked much worse than the answer above.`
        : `${label} no longer marked much worse.`,
    );
    this.onChange();
  }

  /** Re-derives rank numbers, tie and much-worse marks and labels from the DOM order. */
  private refresh(): void {
    const order = this.order();
    if (order.length > 0) this.tied.delete(order[0]);
    let tier = 0;
    order.forEach((id, i) => {
      const card = this.cards.get(id)!;
      const isTied = i > 0 && this.tied.has(id);
      if (!isTied) tier++;
      // a mark only means something between two ranks: the first card and a tied one lose it
      if (i === 0 || isTied) this.muchWorse.delete(id);
      const isWorse = this.muchWorse.has(id);
      card.classList.toggle('tied', isTied);
      card.classList.toggle('much-worse', isWorse);
      const worse = card.querySelector<HTMLButtonElement>('.much-worse')!;
      worse.setAttribute('aria-pressed', String(isWorse));
      worse.disabled = i === 0 || isTied;
      card.querySelector('.rank')!.textContent = isTied ? `=${tier}` : String(tier);
      const tie = card.querySelector<HTMLButtonElement>('.tie')!;
      tie.setAttribute('aria-pressed', String(isTied));
      tie.disabled = i === 0;
      card.setAttribute(
        'aria-label',
        `${this.labels.get(id)}, rank ${tier}${isTied ? ', tied with the answer above' : ''}${isWorse ? ', much worse than the answer above' : ''}, position ${i + 1} of ${order.length}`,
      );
    });
  }

  /**
   * Dragging by the card header: the card follows the pointer through the list,
   * swapping places as it crosses a neighbour's midpoint; the drop is announced.
   */
  private enableDrag(card: HTMLLIElement, handle: HTMLElement): void {
    handle.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || (e.target as HTMLElement).closest('button')) return;
      e.preventDefault();
      handle.setPointerCapture(e.pointerId);
      card.classList.add('dragging');
      const start = this.indexOf(card);
      const onMove = (ev: PointerEvent) => {
        // A fast pointer can cross several cards between two events: swap until settled.
        for (let guard = 0; guard < this.cards.size; guard++) {
          const prev = card.previousElementSibling as HTMLElement | null;
          const next = card.nextElementSibling as HTMLElement | null;
          // Move the neighbour, never the dragged card: taking the card out of the
          // document would release its pointer capture mid-drag.
          if (prev && ev.clientY < mid(prev)) this.root.insertBefore(prev, card.nextSibling);
          else if (next && ev.clientY > mid(next)) this.root.insertBefore(next, card);
          else break;
        }
      };
      const onUp = () => {
        handle.removeEventListener('pointermove', onMove);
        handle.removeEventListener('pointerup', onUp);
        handle.removeEventListener('pointercancel', onUp);
        card.classList.remove('dragging');
        const end = this.indexOf(card);
        if (end !== start) {
          this.tied.delete(card.dataset.id!);
          this.muchWorse.delete(card.dataset.id!);
          this.refresh();
          this.announce(
            `${this.labels.get(card.dataset.id!)} moved to position ${end + 1} of ${this.cards.size}.`,
          );
          this.onChange();
        }
        card.focus();
      };
      handle.addEventListener('pointermove', onMove);
      handle.addEventListener('pointerup', onUp);
      handle.addEventListener('pointercancel', onUp);
    });
  }
}

function mid(node: HTMLElement): number {
  const r = node.getBoundingClientRect();
  return r.top + r.height / 2;
}
