/**
 * The verify page: server-rendered HTML (Hono's `html` template escapes every interpolated value;
 * lot numbers and serials come from labels and chain events), one stylesheet, no script: the verdict
 * reads without JavaScript. Mobile first: one column, large verdict, the form at thumb height.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

import type { ErrorStatus, Messages, PageVerdict } from "./i18n.js";

/** One row of the custody timeline, already in words. */
export interface TimelineRow {
  when: string;
  what: string;
  via?: string;
}

/** What one page shows. */
export interface PageModel {
  t: Messages;
  /** The same page in the other language (path and query). */
  switchHref: string;
  verdict?: PageVerdict;
  /** Label / value pairs: product, lot, serial, expiry, manufacturer. */
  facts?: [string, string][];
  /** Plain sentences under the verdict: the recall, the custodian, a forged-label warning. */
  notes?: string[];
  /** The scratch-off code form (GET to `action`, so it works without JavaScript). */
  codeForm?: { action: string; hidden: [string, string][]; error?: boolean };
  timeline?: { rows: TimelineRow[]; lagNote?: string } | "unavailable";
  /** An error page: its status, and the one-line detail (the parser's message). */
  error?: { status: ErrorStatus; detail?: string };
  /** The start page (no link scanned). */
  home?: boolean;
}

/** Path of the stylesheet (served by the app; the CSP allows only same-origin styles). */
export const STYLESHEET_PATH = "/assets/verify.css";

const BAD: ReadonlySet<PageVerdict> = new Set([
  "DISPENSED",
  "RECALLED",
  "EXPIRED",
  "STOLEN",
  "DESTROYED",
  "UNKNOWN",
  "LOT_RECALLED",
  "LOT_EXPIRED",
]);

function verdictClass(v: PageVerdict): string {
  if (v === "GENUINE") return "verdict good";
  return BAD.has(v) ? "verdict bad" : "verdict info";
}

function mark(v: PageVerdict): string {
  if (v === "GENUINE") return "✓";
  return BAD.has(v) ? "✗" : "ℹ";
}

/** Renders a page model as a whole HTML document. */
export function renderPage(m: PageModel): HtmlEscapedString | Promise<HtmlEscapedString> {
  const { t } = m;
  const heading = m.error
    ? t.errorHeading[m.error.status]
    : m.home
      ? t.home
      : m.verdict
        ? t.verdict[m.verdict].head
        : t.title;
  const verdict = m.verdict
    ? html`<section class="${verdictClass(m.verdict)}" id="verdict" aria-live="polite">
        <h1><span class="mark" aria-hidden="true">${mark(m.verdict)}</span> ${t.verdict[m.verdict].head}</h1>
        <p>${t.verdict[m.verdict].body}</p>
      </section>`
    : m.error
      ? html`<section class="verdict bad" id="verdict">
          <h1>${t.errorHeading[m.error.status]}</h1>
          <p>${t.errorHelp[m.error.status]}</p>
          ${m.error.detail ? html`<p class="detail"><code>${m.error.detail}</code></p>` : ""}
        </section>`
      : m.home
        ? html`<section class="verdict info" id="verdict">
            <h1>${t.home}</h1>
            <p>${t.homeHelp}</p>
          </section>`
        : "";
  const notes = (m.notes ?? []).map((n) => html`<p class="note">${n}</p>`);
  const facts = m.facts?.length
    ? html`<dl class="facts">
        ${m.facts.map(
          ([k, v]) =>
            html`<div>
              <dt>${k}</dt>
              <dd>${v}</dd>
            </div>`,
        )}
      </dl>`
    : "";
  const form = m.codeForm
    ? html`<form class="code" method="get" action="${m.codeForm.action}">
        <h2>${t.codeHeading}</h2>
        <p>${t.codeHelp}</p>
        ${m.codeForm.error ? html`<p class="error" id="code-error" role="alert">${t.codeBad}</p>` : ""}
        <label for="code">${t.codeLabel}</label>
        <input
          id="code"
          name="code"
          type="text"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck="false"
          maxlength="40"
          placeholder="XXXX-XXXX-XXXX-XXXX"
          ${m.codeForm.error ? raw('aria-invalid="true" aria-describedby="code-error"') : ""}
        />
        ${m.codeForm.hidden.map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
        <button type="submit">${t.codeSubmit}</button>
      </form>`
    : "";
  const timeline =
    m.timeline === undefined
      ? ""
      : m.timeline === "unavailable"
        ? html`<section class="timeline">
            <h2>${t.timeline}</h2>
            <p class="note">${t.timelineUnavailable}</p>
          </section>`
        : html`<section class="timeline">
            <h2>${t.timeline}</h2>
            ${m.timeline.lagNote ? html`<p class="note lag">${m.timeline.lagNote}</p>` : ""}
            ${
              m.timeline.rows.length === 0
                ? html`<p>${t.timelineEmpty}</p>`
                : html`<ol>
                    ${m.timeline.rows.map(
                      (r) =>
                        html`<li>
                          <time>${r.when}</time>
                          <span>${r.what}</span>${r.via ? html` <span class="via">(${r.via})</span>` : ""}
                        </li>`,
                    )}
                  </ol>`
            }
          </section>`;
  return html`<!doctype html>
    <html lang="${t.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${heading} · ${t.title}</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body>
        <header>
          <span class="brand">MedChain · ${t.title}</span>
          <a class="lang" href="${m.switchHref}" hreflang="${t.lang === "en" ? "zh-CN" : "en"}">${t.switchTo}</a>
        </header>
        <main>${verdict} ${notes} ${facts} ${form} ${timeline}</main>
        <footer><p>${t.fromChain}</p></footer>
      </body>
    </html>`;
}

/** The stylesheet: system fonts, one column, high contrast, large tap targets. */
export const STYLESHEET = `
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;line-height:1.5;color:#111;background:#fff}
body{margin:0 auto;max-width:40rem;padding:0 1rem 2rem}
header{display:flex;justify-content:space-between;align-items:center;padding:.75rem 0;border-bottom:1px solid #ccc}
.brand{font-weight:600}
a{color:#0645ad}
.lang{padding:.5rem .75rem;border:1px solid #0645ad;border-radius:.5rem;text-decoration:none;min-height:44px;display:inline-flex;align-items:center}
.verdict{margin:1rem 0;padding:1rem;border-radius:.75rem;border:3px solid}
.verdict h1{margin:0 0 .5rem;font-size:1.6rem;line-height:1.2}
.verdict p{margin:0}
.good{background:#e6f4ea;border-color:#1e7e34;color:#0b3d17}
.bad{background:#fdecea;border-color:#b00020;color:#5c0011}
.info{background:#e8f0fe;border-color:#1a56db;color:#0b2a6b}
.mark{font-size:1.8rem}
.note{margin:.5rem 0;padding:.5rem .75rem;background:#fff8e1;border-left:4px solid #8a6d00}
.detail code{word-break:break-all}
.facts{display:grid;grid-template-columns:1fr;gap:.25rem;margin:1rem 0}
.facts div{display:flex;justify-content:space-between;gap:1rem;border-bottom:1px solid #eee;padding:.25rem 0}
dt{color:#444}dd{margin:0;font-weight:600;word-break:break-all;text-align:right}
form.code{margin:1rem 0;padding:1rem;border:1px solid #ccc;border-radius:.75rem}
form.code h2{margin-top:0;font-size:1.2rem}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
input[type=text]{width:100%;font-size:1.25rem;padding:.6rem;border:2px solid #555;border-radius:.5rem;font-family:ui-monospace,monospace;letter-spacing:.05em}
button{margin-top:.75rem;width:100%;min-height:48px;font-size:1.1rem;border:0;border-radius:.5rem;background:#0645ad;color:#fff}
.error{color:#b00020;font-weight:600}
.timeline ol{list-style:none;padding:0;margin:0;border-left:3px solid #1a56db}
.timeline li{padding:.25rem 0 .75rem 1rem}
.timeline time{display:block;color:#444;font-size:.9rem}
.via{color:#444}
footer{margin-top:2rem;color:#444;font-size:.9rem}
`;
