// rjcase page JavaScript (ES module, loaded on every page by base.html).
//
// No inline scripts anywhere: the site runs under a strict
// Content-Security-Policy (script-src 'self').
//
// Imports are relative to this file (static/js/app.mjs ->
// static/dist/js/...), so they work whatever STATIC_URL is.

import { initAll as initGovukFrontend } from "../dist/js/govuk-frontend.min.js";
import { initAll as initMojFrontend } from "../dist/js/moj-frontend.min.js";

// GOV.UK Frontend's template normally adds these classes with an inline
// <script> at the top of <body>. Do it here instead, before any component is
// initialised: GOV.UK and MOJ components refuse to start without
// `govuk-frontend-supported`, and their CSS only applies JS-enhanced styles
// when it is present (without it, the no-JS versions of components show).
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}

/**
 * Log component errors, except "already initialised" ones. Those are
 * expected: content swapped in by htmx is initialised from its parent
 * element, which may also hold components that were initialised earlier.
 *
 * @param {Error} error
 */
function onComponentError(error) {
  if (error && error.name === "InitError" && /already initialised/i.test(error.message)) {
    return;
  }
  console.error(error);
}

/**
 * Initialise every GOV.UK Frontend and MOJ Frontend component within scope.
 *
 * @param {Document | Element} scope
 */
export function initComponents(scope = document) {
  initGovukFrontend({ scope, onError: onComponentError });
  initMojFrontend({ scope, onError: onComponentError });
}

/**
 * Move focus to the first element marked `data-autofocus` within scope
 * (including scope itself). Elements that are not normally focusable (for
 * example a heading or an error summary) get tabindex="-1" first.
 *
 * @param {Element} scope
 * @returns {boolean} whether something was focused
 */
export function focusAutofocus(scope) {
  const target = scope.matches("[data-autofocus]") ? scope : scope.querySelector("[data-autofocus]");
  if (!(target instanceof HTMLElement) || !target.isConnected) {
    return false;
  }
  if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
    target.addEventListener("blur", () => target.removeAttribute("tabindex"), { once: true });
  }
  target.focus();
  return document.activeElement === target;
}

initComponents(document);

// htmx integration ----------------------------------------------------------
//
// htmx fires `htmx:load` on each element it adds to the page (and once on
// <body> at start-up, which initComponents(document) above already covers).
// All the `htmx:load` events for one swap fire synchronously while the swap
// settles, so collect the new elements and deal with them together in a
// microtask, once the swap has settled:
//
// - initialise components in the new content. The scope is each new
//   element's parent, because initAll only looks at descendants of its scope
//   and the new element may itself be a component root (data-module).
//   Components that were already there are skipped (see onComponentError).
// - focus the first `data-autofocus` element in the new content.

/** @type {Element[]} */
let loaded = [];

function afterSwap() {
  const elements = loaded;
  loaded = [];

  const scopes = [...new Set(elements.map((element) => element.parentElement ?? element))].filter(
    (scope, _, all) => scope.isConnected && !all.some((other) => other !== scope && other.contains(scope)),
  );
  for (const scope of scopes) {
    initComponents(scope);
  }

  for (const element of elements) {
    if (element.isConnected && focusAutofocus(element)) {
      break;
    }
  }
}

document.addEventListener("htmx:load", (event) => {
  const element = event.target;
  if (!(element instanceof Element) || element === document.body) {
    return;
  }
  if (loaded.length === 0) {
    queueMicrotask(afterSwap);
  }
  loaded.push(element);
});
