// Sourcier's search page: search as you type over /api/search, the query and filters kept in
// the URL, facets as filters, context on demand, and the answer and figures boxes when the
// server offers /api/answer and /api/figures. No framework, no build step.
'use strict';

const TEXT = {
  fr: {
    skip: 'Aller aux résultats',
    tagline: 'Recherche dans les documents',
    label: 'Rechercher dans les documents',
    placeholder: 'Quelques mots, une question ou un chiffre',
    submit: 'Rechercher',
    hint: 'Les résultats s’affichent pendant la saisie. Flèche bas pour parcourir les résultats, « / » pour revenir ici.',
    other: 'English',
    filters: 'Filtres',
    filtersActive: n => `Filtres (${n} actif${n > 1 ? 's' : ''})`,
    documents: 'Documents',
    language: 'Langue',
    allDocs: 'Tous les documents',
    allLangs: 'Toutes les langues',
    facetsBest: 'Comptés parmi les meilleurs passages seulement.',
    langs: { fr: 'Français', en: 'Anglais' },
    found: (n, ms) => `${n} passage${n > 1 ? 's' : ''} trouvé${n > 1 ? 's' : ''} · ${ms} ms`,
    searching: 'Recherche…',
    welcome: 'Tapez quelques mots, une question (« Quand la déclaration de mission a-t-elle été adoptée ? ») ou un chiffre (« 13 600 étudiants »).',
    page: (a, b) => (a === b ? `p. ${a}` : `p. ${a}–${b}`),
    webPage: 'Page web',
    openPdf: (t, p) => `${t}, ouvrir le PDF à la page ${p}`,
    openWeb: t => `${t}, ouvrir la page d’origine`,
    openFile: t => `${t}, ouvrir le fichier`,
    showContext: 'Afficher le contexte',
    hideContext: 'Masquer le contexte',
    loading: 'Chargement…',
    contextError: 'Le contexte n’a pas pu être chargé.',
    noResults: q => `Aucun passage ne correspond à « ${q} ».`,
    didYouMean: 'Vouliez-vous dire',
    filterOn: name => `Le filtre « ${name} » est actif.`,
    elsewhere: n => `${n} passage${n > 1 ? 's' : ''} correspond${n > 1 ? 'ent' : ''} ailleurs.`,
    removeFilters: 'Chercher sans filtre',
    tips: 'Vérifiez l’orthographe, essayez moins de mots ou un synonyme, en français ou en anglais.',
    weak: 'Aucun passage ne contient tous les mots de la recherche ; voici les plus proches.',
    error: msg => `La recherche a échoué : ${msg}`,
    network: 'le serveur ne répond pas',
    retry: 'Réessayer',
    moreFrom: (n, t) => `Afficher ${n} autre${n > 1 ? 's' : ''} passage${n > 1 ? 's' : ''} de « ${t} »`,
    lessFrom: t => `Masquer les autres passages de « ${t} »`,
    onlyThisDoc: 'Chercher dans ce document seulement',
    moreResults: 'Plus de résultats',
    answer: 'Réponse',
    figures: 'Chiffres',
    source: 'Source',
  },
  en: {
    skip: 'Skip to results',
    tagline: 'Search the documents',
    label: 'Search the documents',
    placeholder: 'A few words, a question or a figure',
    submit: 'Search',
    hint: 'Results appear as you type. Arrow down to move through the results, “/” to come back here.',
    other: 'Français',
    filters: 'Filters',
    filtersActive: n => `Filters (${n} active)`,
    documents: 'Documents',
    language: 'Language',
    allDocs: 'All documents',
    allLangs: 'All languages',
    facetsBest: 'Counted among the best passages only.',
    langs: { fr: 'French', en: 'English' },
    found: (n, ms) => `${n} passage${n > 1 ? 's' : ''} found · ${ms} ms`,
    searching: 'Searching…',
    welcome: 'Type a few words, a question (“When did the board adopt IMT’s mission statement?”) or a figure (“13 600 étudiants”).',
    page: (a, b) => (a === b ? `p. ${a}` : `pp. ${a}–${b}`),
    webPage: 'Web page',
    openPdf: (t, p) => `${t}, open the PDF at page ${p}`,
    openWeb: t => `${t}, open the original page`,
    openFile: t => `${t}, open the file`,
    showContext: 'Show context',
    hideContext: 'Hide context',
    loading: 'Loading…',
    contextError: 'The context could not be loaded.',
    noResults: q => `No passage matches “${q}”.`,
    didYouMean: 'Did you mean',
    filterOn: name => `The filter “${name}” is on.`,
    elsewhere: n => `${n} passage${n > 1 ? 's match' : ' matches'} elsewhere.`,
    removeFilters: 'Search without filters',
    tips: 'Check the spelling, try fewer words or a synonym, in French or in English.',
    weak: 'No passage contains every word of the search; here are the closest.',
    error: msg => `The search failed: ${msg}`,
    network: 'the server does not answer',
    retry: 'Try again',
    moreFrom: (n, t) => `Show ${n} more passage${n > 1 ? 's' : ''} from “${t}”`,
    lessFrom: t => `Hide the other passages from “${t}”`,
    onlyThisDoc: 'Search this document only',
    moreResults: 'More results',
    answer: 'Answer',
    figures: 'Figures',
    source: 'Source',
  },
};

const DEBOUNCE_MS = 150;
const PAGE = 20;
// A document "dominates" a page of results when it holds this share of the hits; its hits
// past the first few are then folded so the other documents stay in view.
const DOMINANT_SHARE = 0.6;
const SHOWN_WHEN_FOLDED = 3;
const QUESTION = /\?\s*$|^(qui|que|quoi|quel|quelle|quels|quelles|quand|où|ou|comment|combien|pourquoi|est-ce|what|who|whom|when|where|which|why|how|is|are|does|do|did|can)\b/i;
const NUMERIC = /\d|\b(combien|nombre|taux|pourcentage|part|montant|budget|how many|how much|number|rate|share|percentage|amount)\b/i;

const $ = sel => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.filter(c => c !== null && c !== undefined));
  return node;
};

// The API's highlights are HTML-escaped text with <mark>. They are still rebuilt node by node,
// keeping only text and <mark>, so nothing else from a document can ever become markup.
function marked(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html').body;
  const copy = (from, to) => {
    for (const n of from.childNodes) {
      // Blank lines between paragraphs become line breaks: passages stay compact.
      if (n.nodeType === Node.TEXT_NODE) to.append(n.textContent.replace(/\n\s*\n/g, '\n'));
      else if (n.nodeName === 'MARK') copy(n, to.appendChild(document.createElement('mark')));
      else to.append(n.textContent);
    }
    return to;
  };
  return copy(parsed, document.createDocumentFragment());
}

const state = {
  ui: 'fr',
  q: '',
  doc: '',
  lang: '',
  limit: PAGE,
  documents: new Map(), // doc id → title, from /api/documents
  last: null, // the last search response rendered
  seq: 0,
  controller: null,
  lastPush: 0,
};
// Per search: the server's time, fetch time (request to parsed JSON) and fetch + render time,
// in ms, for the browser tests' latency figures.
window.sourcierTimings = [];

const t = () => TEXT[state.ui];

function applyUiLanguage() {
  document.documentElement.lang = state.ui;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t()[node.dataset.i18n];
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = t()[node.dataset.i18nPlaceholder];
  }
  const toggle = $('#ui-lang');
  toggle.textContent = t().other;
  toggle.lang = state.ui === 'fr' ? 'en' : 'fr';
}

function readUrl() {
  const p = new URLSearchParams(location.search);
  state.q = p.get('q') || '';
  state.doc = p.get('doc') || '';
  state.lang = p.get('lang') || '';
  state.limit = PAGE;
  $('#q').value = state.q;
}

function writeUrl(push) {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.doc) p.set('doc', state.doc);
  if (state.lang) p.set('lang', state.lang);
  const url = p.toString() ? `/?${p}` : '/';
  if (url === location.pathname + location.search) return;
  // Typing makes one history entry per pause, not one per keystroke.
  const now = performance.now();
  if (push || now - state.lastPush > 1500) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  state.lastPush = now;
}

async function getJson(url, signal) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { ok: res.ok, status: res.status, body };
}

function setBusy(busy) {
  document.body.dataset.state = busy ? 'loading' : document.body.dataset.state;
  $('#results').setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function search({ push = false } = {}) {
  const q = state.q.trim();
  writeUrl(push);
  const seq = ++state.seq;
  if (state.controller) state.controller.abort();
  if (!q) {
    renderWelcome();
    return;
  }
  const controller = new AbortController();
  state.controller = controller;
  const started = performance.now();
  setBusy(true);
  const params = new URLSearchParams({ q, limit: String(state.limit) });
  if (state.doc) params.set('doc', state.doc);
  if (state.lang) params.set('lang', state.lang);
  const request = getJson(`/api/search?${params}`, controller.signal);
  // Answer and figures go out with the search, which they must not delay; they are drawn only
  // once the results are, since drawing the results clears both boxes.
  let resultsDrawn;
  const drawn = new Promise(resolve => (resultsDrawn = resolve));
  const extras = loadExtras(q, controller.signal, seq, drawn);
  let res;
  let fetched = started;
  try {
    res = await request;
    fetched = performance.now();
  } catch (e) {
    if (e.name === 'AbortError') return resultsDrawn();
    res = { ok: false, status: 0, body: { error: t().network } };
  }
  if (seq !== state.seq) return resultsDrawn();
  if (!res.ok || !res.body || !Array.isArray(res.body.hits)) {
    renderError((res.body && res.body.error) || `HTTP ${res.status}`);
  } else {
    render(res.body);
  }
  resultsDrawn();
  window.sourcierTimings.push({
    server: res.body && res.body.took_ms,
    fetch: fetched - started,
    total: performance.now() - started,
  });
  await extras;
}

// --- Rendering -----------------------------------------------------------------------------

function clear() {
  for (const id of ['#results', '#empty', '#answer', '#figures']) $(id).replaceChildren();
  for (const id of ['#empty', '#answer', '#figures', '#suggest', '#more']) $(id).hidden = true;
}

function done(stateName) {
  document.body.dataset.state = stateName;
  document.body.dataset.q = state.q.trim();
  $('#results').setAttribute('aria-busy', 'false');
}

function renderWelcome() {
  clear();
  state.last = null;
  $('#status').textContent = t().welcome;
  renderFilters(null);
  done('idle');
}

function renderError(message) {
  clear();
  $('#status').textContent = '';
  const box = $('#empty');
  box.hidden = false;
  box.append(
    el('p', { class: 'error', role: 'alert', text: t().error(message) }),
    el('p', {}, el('button', { type: 'button', onclick: () => search(), text: t().retry })),
  );
  if (state.doc || state.lang) box.append(removeFiltersButton());
  done('error');
}

function render(body) {
  state.last = body;
  clear();
  renderFilters(body.facets);
  $('#status').textContent = body.total > 0 ? t().found(body.total, formatMs(body.took_ms)) : '';
  if (body.suggestion) {
    const s = $('#suggest');
    s.hidden = false;
    s.replaceChildren(`${t().didYouMean} `, suggestionLink(body.suggestion), ' ?');
  }
  if (body.total === 0) {
    renderEmpty(body);
    done('done');
    return;
  }
  if (body.match === 'weak') $('#results').append(el('p', { class: 'note', text: t().weak }));
  $('#results').append(renderHits(body.hits));
  $('#more').hidden = !(body.total > body.hits.length && state.limit < 100);
  done('done');
}

function formatMs(ms) {
  return (Math.round(ms * 10) / 10).toLocaleString(state.ui);
}

function suggestionLink(suggestion) {
  const p = new URLSearchParams({ q: suggestion });
  return el('a', {
    href: `/?${p}`,
    class: 'suggestion',
    text: suggestion,
    onclick: e => {
      e.preventDefault();
      state.q = suggestion;
      $('#q').value = suggestion;
      search({ push: true });
    },
  });
}

function removeFiltersButton() {
  return el('p', {}, el('button', {
    type: 'button',
    class: 'remove-filters',
    text: t().removeFilters,
    onclick: () => {
      state.doc = '';
      state.lang = '';
      search({ push: true });
    },
  }));
}

function renderEmpty(body) {
  const box = $('#empty');
  box.hidden = false;
  box.append(el('h2', { text: t().noResults(state.q.trim()) }));
  const filters = [];
  if (state.doc) filters.push(state.documents.get(state.doc) || state.doc);
  if (state.lang) filters.push(t().langs[state.lang] || state.lang);
  if (filters.length) {
    box.append(el('p', { text: t().filterOn(filters.join(', ')) }));
    const elsewhere = (body.facets && body.facets.docs || []).reduce((n, d) => n + d.count, 0);
    if (elsewhere > 0) box.append(el('p', { text: t().elsewhere(elsewhere) }));
    box.append(removeFiltersButton());
  }
  if (body.suggestion) box.append(el('p', {}, `${t().didYouMean} `, suggestionLink(body.suggestion), ' ?'));
  box.append(el('p', { class: 'muted', text: t().tips }));
}

function sourceLink(source) {
  if (source.kind === 'pdf') {
    return {
      href: `/api/documents/${encodeURIComponent(source.doc_id)}/file#page=${source.page_start}`,
      label: t().openPdf(source.title, source.page_start),
    };
  }
  if (source.url) return { href: source.url, label: t().openWeb(source.title) };
  return { href: `/api/documents/${encodeURIComponent(source.doc_id)}/file`, label: t().openFile(source.title) };
}

function where(source) {
  if (source.kind === 'pdf') return t().page(source.page_start, source.page_end);
  return t().webPage;
}

function langBadge(lang) {
  return el('span', { class: `badge badge-${lang}`, title: t().langs[lang] || lang, text: lang.toUpperCase() });
}

function renderHit(hit) {
  const s = hit.source;
  const link = sourceLink(s);
  const contextId = `ctx-${hit.id}`;
  const passage = el('blockquote', { class: 'passage', lang: hit.lang }, marked(hit.highlight));
  const context = el('div', { class: 'context', id: contextId, hidden: true });
  const toggle = el('button', {
    type: 'button',
    class: 'context-toggle',
    'aria-expanded': 'false',
    'aria-controls': contextId,
    text: t().showContext,
  });
  toggle.addEventListener('click', () => toggleContext(hit, toggle, context, passage));
  return el('li', { class: 'hit', 'data-doc': s.doc_id },
    el('article', {},
      el('h3', { class: 'hit-title' },
        el('a', { class: 'hit-link', href: link.href, 'aria-label': link.label, rel: s.url ? 'noopener noreferrer' : null },
          s.title)),
      el('p', { class: 'meta' },
        el('span', { class: 'where' }, where(s)),
        s.section ? el('span', { class: 'section', text: s.section }) : null,
        langBadge(hit.lang)),
      passage,
      context,
      toggle));
}

function renderHits(hits) {
  const list = el('ol', { class: 'hits' });
  const counts = new Map();
  for (const h of hits) counts.set(h.source.doc_id, (counts.get(h.source.doc_id) || 0) + 1);
  const [topDoc, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] || [null, 0];
  const fold = !state.doc && counts.size > 1 && hits.length >= 5 && topCount / hits.length >= DOMINANT_SHARE;
  if (!fold) {
    for (const h of hits) list.append(renderHit(h));
    return list;
  }
  // Keep rank order; the dominant document's hits past the first few go into one folded group
  // placed where its last visible hit is.
  let seen = 0;
  const folded = el('ol', { class: 'hits folded', id: 'folded', hidden: true });
  let groupAt = null;
  for (const h of hits) {
    if (h.source.doc_id === topDoc && ++seen > SHOWN_WHEN_FOLDED) {
      folded.append(renderHit(h));
      continue;
    }
    list.append(renderHit(h));
    if (h.source.doc_id === topDoc && seen === SHOWN_WHEN_FOLDED) {
      groupAt = el('li', { class: 'group' });
      list.append(groupAt);
    }
  }
  const title = hits.find(h => h.source.doc_id === topDoc).source.title;
  const n = folded.children.length;
  const toggle = el('button', {
    type: 'button',
    class: 'group-toggle',
    'aria-expanded': 'false',
    'aria-controls': 'folded',
    text: t().moreFrom(n, title),
  });
  toggle.addEventListener('click', () => {
    const open = folded.hidden;
    folded.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? t().lessFrom(title) : t().moreFrom(n, title);
  });
  const only = el('button', {
    type: 'button',
    class: 'link-button',
    text: t().onlyThisDoc,
    onclick: () => {
      state.doc = topDoc;
      search({ push: true });
    },
  });
  groupAt.append(el('div', { class: 'group-bar' }, toggle, only), folded);
  return list;
}

async function toggleContext(hit, toggle, context, passage) {
  const open = toggle.getAttribute('aria-expanded') !== 'true';
  toggle.setAttribute('aria-expanded', String(open));
  toggle.textContent = open ? t().hideContext : t().showContext;
  context.hidden = !open;
  passage.classList.toggle('in-context', open);
  if (!open || context.dataset.loaded) return;
  context.replaceChildren(el('p', { class: 'muted', text: t().loading }));
  try {
    const me = await getJson(`/api/passages/${encodeURIComponent(hit.id)}`);
    if (!me.ok) throw new Error(me.body && me.body.error);
    const [prev, next] = await Promise.all(
      [me.body.prev_id, me.body.next_id].map(id =>
        id ? getJson(`/api/passages/${encodeURIComponent(id)}`).then(r => (r.ok ? r.body : null)) : null),
    );
    const before = prev ? el('p', { class: 'context-text', lang: prev.lang, text: prev.text }) : null;
    const after = next ? el('p', { class: 'context-text', lang: next.lang, text: next.text }) : null;
    context.replaceChildren(
      ...[before, el('blockquote', { class: 'passage current', lang: hit.lang }, marked(hit.highlight)), after].filter(Boolean),
    );
    context.dataset.loaded = 'true';
  } catch {
    context.replaceChildren(el('p', { class: 'error', text: t().contextError }));
  }
}

function renderFilters(facets) {
  const docs = facets ? facets.docs : [];
  const langs = facets ? facets.langs : [];
  const total = (list, key, chosen) => list.reduce((n, f) => n + f.count, 0);
  const docOptions = docs.map(d => ({ value: d.doc_id, label: d.title, count: d.count }));
  if (state.doc && !docs.some(d => d.doc_id === state.doc)) {
    docOptions.push({ value: state.doc, label: state.documents.get(state.doc) || state.doc, count: 0 });
  }
  const langOptions = langs.map(l => ({ value: l.lang, label: t().langs[l.lang] || l.lang, count: l.count }));
  if (state.lang && !langs.some(l => l.lang === state.lang)) {
    langOptions.push({ value: state.lang, label: t().langs[state.lang] || state.lang, count: 0 });
  }
  radios('#f-doc', 'doc', t().allDocs, total(docs), docOptions);
  radios('#f-lang', 'lang', t().allLangs, total(langs), langOptions);
  // A query matching more passages than the server counts facets over: say so, as the
  // counts then add up to fewer than the total.
  const note = $('#facets-note');
  note.hidden = !facets || facets.complete !== false;
  note.textContent = note.hidden ? '' : t().facetsBest;
  const active = (state.doc ? 1 : 0) + (state.lang ? 1 : 0);
  $('#filters summary').textContent = active ? t().filtersActive(active) : t().filters;
  $('#filters').classList.toggle('empty', !facets);
}

function radios(fieldset, name, allLabel, allCount, options) {
  const box = $(`${fieldset} .options`);
  const option = (value, label, count) => {
    const id = `${name}-${value || 'all'}`;
    const input = el('input', { type: 'radio', name, id, value });
    input.checked = state[name] === value;
    input.addEventListener('change', () => {
      state[name] = value;
      state.limit = PAGE;
      search({ push: true });
    });
    return el('div', { class: 'option' },
      input,
      el('label', { for: id },
        el('span', { class: 'option-label', text: label }),
        el('span', { class: 'count', text: String(count) })));
  };
  box.replaceChildren(option('', allLabel, allCount), ...options.map(o => option(o.value, o.label, o.count)));
}

// --- Answer and figures: shown only when the server has those endpoints ---------------------

async function loadExtras(q, signal, seq, drawn) {
  const jobs = [];
  if (QUESTION.test(q)) jobs.push(loadAnswer(q, signal, seq, drawn));
  if (NUMERIC.test(q)) jobs.push(loadFigures(q, signal, seq, drawn));
  await Promise.allSettled(jobs);
}

function citation(source) {
  const link = sourceLink(source);
  return el('a', { href: link.href, class: 'citation', 'aria-label': link.label },
    source.kind === 'pdf' ? `${source.title}, ${where(source)}` : source.title);
}

async function loadAnswer(q, signal, seq, drawn) {
  const params = new URLSearchParams({ q });
  if (state.doc) params.set('doc', state.doc);
  if (state.lang) params.set('lang', state.lang);
  const res = await getJson(`/api/answer?${params}`, signal);
  const answer = res.ok && res.body && Array.isArray(res.body.answers) ? res.body.answers[0] : null;
  await drawn;
  if (seq !== state.seq || !answer || !answer.source) return;
  const box = $('#answer');
  box.replaceChildren(
    el('h2', { id: 'answer-title', text: t().answer }),
    el('p', { class: 'answer-text' }, answer.highlight ? marked(answer.highlight) : answer.text),
    el('p', { class: 'meta' }, `${t().source} : `, citation(answer.source)),
  );
  box.hidden = false;
}

// A figure typed in the query (`13 600`, `38 %`, `76,3 M€`) is looked up by value, however
// the documents write it; the other words must be around it.
const FIGURE_IN_QUERY = /\d[\d\s.,\u00a0\u202f]*(?:\s?(?:%|k€|M€|Md€|€|k\b|millions?\b|milliards?\b))?/;

async function loadFigures(q, signal, seq, drawn) {
  const params = new URLSearchParams({ limit: '6' });
  const figure = q.match(FIGURE_IN_QUERY);
  if (figure) {
    params.set('value', figure[0].trim());
    const words = (q.slice(0, figure.index) + ' ' + q.slice(figure.index + figure[0].length)).trim();
    if (words) params.set('q', words);
  } else {
    params.set('q', q);
  }
  if (state.doc) params.set('doc', state.doc);
  let res = await getJson(`/api/figures?${params}`, signal);
  const found = r => (r.ok && r.body && Array.isArray(r.body.figures) ? r.body.figures : []);
  if (found(res).length === 0 && params.has('value') && params.has('q')) {
    // the words are not around that figure: show where the figure itself is stated
    params.delete('q');
    res = await getJson(`/api/figures?${params}`, signal);
  }
  const figures = found(res);
  await drawn;
  if (seq !== state.seq || figures.length === 0) return;
  const box = $('#figures');
  box.replaceChildren(
    el('h2', { id: 'figures-title', text: t().figures }),
    el('ul', { class: 'figure-list' }, ...figures.slice(0, 6).map(f =>
      el('li', {},
        el('span', { class: 'figure-value', text: f.raw || String(f.value) }),
        el('span', { class: 'figure-sentence', text: f.sentence || f.label || '' }),
        f.source ? citation(f.source) : null))),
  );
  box.hidden = false;
}

// --- Events ----------------------------------------------------------------------------------

function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

function resultLinks() {
  return [...document.querySelectorAll('.hit-link')].filter(a => a.offsetParent !== null);
}

function onKey(e) {
  const input = $('#q');
  const typing = e.target === input || ['INPUT', 'TEXTAREA'].includes(e.target.tagName);
  if (e.key === '/' && !typing) {
    e.preventDefault();
    input.focus();
    input.select();
    return;
  }
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  if (e.target !== input && !e.target.classList.contains('hit-link')) return;
  const links = resultLinks();
  if (links.length === 0) return;
  e.preventDefault();
  const at = links.indexOf(e.target);
  if (e.key === 'ArrowDown') links[Math.min(at + 1, links.length - 1)].focus();
  else if (at <= 0) input.focus();
  else links[at - 1].focus();
}

// The list comes a page at a time: the largest pages the API gives, followed by next_offset
// to the end, without the skipped files.
async function loadDocuments() {
  try {
    let offset = 0;
    while (offset !== null) {
      const res = await getJson(`/api/documents?limit=1000&skipped_limit=0&offset=${offset}`);
      if (!res.ok || !res.body) return;
      for (const d of res.body.documents || []) state.documents.set(d.id, d.title);
      const next = res.body.next_offset;
      offset = Number.isInteger(next) && next > offset ? next : null;
    }
  } catch {
    // The names only decorate an active filter; the page works without them.
  }
}

function init() {
  try {
    state.ui = localStorage.getItem('sourcier.ui') === 'en' ? 'en' : 'fr';
  } catch {
    state.ui = 'fr';
  }
  applyUiLanguage();
  const filters = $('#filters');
  const wide = window.matchMedia('(min-width: 760px)');
  filters.open = wide.matches;
  wide.addEventListener('change', () => (filters.open = wide.matches));

  const input = $('#q');
  const typed = debounce(() => {
    state.q = input.value;
    state.limit = PAGE;
    search();
  }, DEBOUNCE_MS);
  input.addEventListener('input', typed);
  $('#search-form').addEventListener('submit', e => {
    e.preventDefault();
    state.q = input.value;
    state.limit = PAGE;
    search({ push: true });
  });
  $('#more').addEventListener('click', () => {
    state.limit = Math.min(state.limit + PAGE, 100);
    search();
  });
  $('#ui-lang').addEventListener('click', () => {
    state.ui = state.ui === 'fr' ? 'en' : 'fr';
    try {
      localStorage.setItem('sourcier.ui', state.ui);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    applyUiLanguage();
    if (state.last) {
      render(state.last);
      // Drawing the results cleared the answer and figures boxes: fetch them again (a few ms).
      loadExtras(state.q.trim(), state.controller && state.controller.signal, state.seq, Promise.resolve());
    } else {
      renderWelcome();
    }
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('popstate', () => {
    readUrl();
    search();
  });
  readUrl();
  loadDocuments().then(() => search());
  if (!state.q) input.focus();
}

init();
