/*
 * Keeps what a person typed when they change the page's language.
 *
 * The language switcher (templates/includes/language_switcher.html) is a plain POST that reloads the page in
 * the new language, which would throw away a half-filled form: a request for help, a message to one's peer.
 * Just before it is sent, the fields the person changed in every form marked data-keep-answers="<name>" are
 * put in this tab's sessionStorage; the page that loads next, if it is the same page in the new language, puts
 * them back into the form of the same name, and they are deleted at once whatever page it is (and discarded
 * unused after a minute). Nothing leaves the browser: no request, no cookie, no log. Fields the person did not
 * touch keep the new page's defaults (the language field follows the new language), and the CSRF token, the
 * honeypot, passwords and files are never kept. Without JavaScript the page works as before; only the answers
 * are not carried over.
 *
 * Two marks on a form refine this. data-answers-shown-back: the server put the person's own answers back in as
 * the page's defaults (a refused submission, an unsent message returned to its box), so every filled-in field
 * is theirs and is kept, not only the ones changed since. data-keep-answers-page="<path>": the page the form
 * lives on, when the address the switcher returns to is not it (a POST address that redirects there).
 */
(function () {
  "use strict";
  var KEY = "peerway:kept-answers";
  var MAX_AGE_MS = 60 * 1000;
  var NEVER = { csrfmiddlewaretoken: true, website: true };

  function keepable(field) {
    return field.name && !NEVER[field.name] && !field.disabled &&
      ["password", "file", "hidden", "submit", "button", "reset"].indexOf(field.type) === -1;
  }

  function changes(form) {
    // After a refused submission the defaults are the person's own answers: keep whatever is filled in.
    var shownBack = form.hasAttribute("data-answers-shown-back");
    var kept = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keepable(field)) return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked || (shownBack && field.checked)) {
          kept.push({ name: field.name, value: field.value, checked: field.checked });
        }
      } else if (field.tagName === "SELECT") {
        var options = Array.prototype.slice.call(field.options);
        if (shownBack || options.some(function (option) { return option.selected !== option.defaultSelected; })) {
          kept.push({
            name: field.name,
            selected: options.filter(function (option) { return option.selected; })
              .map(function (option) { return option.value; })
          });
        }
      } else if (field.value !== field.defaultValue || (shownBack && field.value !== "")) {
        kept.push({ name: field.name, value: field.value });
      }
    });
    return kept;
  }

  // The page's path and query without its language prefix (English, the default, has none), as the
  // switcher's "next" field gives it.
  function unprefixed(path) {
    var prefix = "/" + document.documentElement.lang + "/";
    return path.indexOf(prefix) === 0 ? path.slice(prefix.length - 1) : path;
  }

  function save(switcher) {
    var next = switcher.elements.namedItem("next");
    var forms = [];
    document.querySelectorAll("form[data-keep-answers]").forEach(function (form) {
      var fields = changes(form);
      var page = form.getAttribute("data-keep-answers-page");
      if (fields.length && (page || next)) {
        forms.push({
          form: form.getAttribute("data-keep-answers"),
          page: page ? unprefixed(page) : next.value,
          fields: fields
        });
      }
    });
    try {
      if (forms.length) sessionStorage.setItem(KEY, JSON.stringify({ at: Date.now(), forms: forms }));
    } catch (error) { /* storage full or refused: the language still changes */ }
  }

  function put(form, kept) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keepable(field) || field.name !== kept.name) return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.value === kept.value) field.checked = kept.checked;
      } else if (field.tagName === "SELECT" && kept.selected) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = kept.selected.indexOf(option.value) !== -1;
        });
      } else if (typeof kept.value === "string") {
        field.value = kept.value;
      }
    });
  }

  function restore() {
    var raw = null;
    try {
      raw = sessionStorage.getItem(KEY);
      sessionStorage.removeItem(KEY);
    } catch (error) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (error) { return; }
    if (!data || !data.forms || Date.now() - data.at > MAX_AGE_MS) return;
    var here = unprefixed(window.location.pathname + window.location.search);
    data.forms.forEach(function (entry) {
      if (entry.page !== here) return;
      document.querySelectorAll("form[data-keep-answers]").forEach(function (form) {
        if (form.getAttribute("data-keep-answers") !== entry.form) return;
        entry.fields.forEach(function (kept) { put(form, kept); });
        form.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("language-switcher")) save(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
