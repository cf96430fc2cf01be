// The wrap-up: reason, "close the request" preset by the reason (locked where the catalog
// locks it), the queue an open request needs, the description; a review; then one save.
import { config, h, t } from "./i18n.js";

// The catalog from GET /v1/packs/{pack} (`call_end`), or as the page was given it; without
// either, the reasons the view offers.
function catalogOf(session, pack) {
  if (pack?.call_end) return pack.call_end;
  if (config.call_end) return config.call_end;
  const spec = session.view.answer || {};
  return { title: spec.title, description: "optional", reasons: spec.options || [], queues: [] };
}

export function wrapupForm(element, session, pack, save) {
  const catalog = catalogOf(session, pack);
  const spec = session.view.answer || {};
  const state = { reason: spec.default || "" };
  const reasonOf = (key) => catalog.reasons.find((reason) => reason.key === key);

  const reasonSelect = h(
    "select",
    { id: "wrapup-reason", name: "reason", required: true },
    h("option", { value: "" }, "—"),
    catalog.reasons.map((reason, index) =>
      h("option", { value: reason.key, selected: reason.key === state.reason }, `${index + 1}. ${reason.label}`),
    ),
  );
  const close = h("input", { id: "wrapup-close", name: "close", type: "checkbox" });
  const lockedNote = h("span", { class: "note", id: "wrapup-locked" }, t("wrapup_locked"));
  const queueSelect = h(
    "select",
    { id: "wrapup-queue", name: "queue" },
    h("option", { value: "" }, "—"),
    catalog.queues.map((queue) => h("option", { value: queue.key }, queue.label)),
  );
  const queueField = h("div", { class: "field" }, h("label", { for: "wrapup-queue" }, t("wrapup_queue")), queueSelect);
  const requiredNote = h("span", { class: "note" }, t("wrapup_description_required"));
  const description = h("textarea", { id: "wrapup-description", name: "description", rows: 4, maxlength: 10000 });
  const error = h("p", { class: "error", id: "wrapup-error", role: "alert", hidden: true });

  // A reason presets the flag and the queue; a locked one fixes the flag.
  function applyReason(fromAgent) {
    const reason = reasonOf(reasonSelect.value);
    if (reason && typeof reason.close === "boolean" && (fromAgent || reason.locked)) close.checked = reason.close;
    close.disabled = Boolean(reason?.locked);
    lockedNote.hidden = !reason?.locked;
    if (reason && fromAgent) queueSelect.value = reason.queue || "";
    showQueue();
    const required = catalog.description === "required" ? reason?.description !== "optional" : reason?.description === "required";
    description.required = Boolean(required);
    requiredNote.hidden = !required;
  }
  function showQueue() {
    queueField.hidden = close.checked || !catalog.queues.length;
    queueSelect.required = !queueField.hidden;
  }
  reasonSelect.addEventListener("change", () => applyReason(true));
  close.addEventListener("change", showQueue);

  const form = h(
    "form",
    { id: "wrapup-form", novalidate: true },
    h("h2", {}, catalog.title || t("wrapup_heading")),
    session.view.text ? h("p", { id: "wrapup-question", class: "question-text" }, session.view.text) : null,
    session.view.notice?.text ? h("p", { class: "notice-inline" }, session.view.notice.text) : null,
    h("div", { class: "field" }, h("label", { for: "wrapup-reason" }, t("wrapup_reason")), reasonSelect),
    h("div", { class: "field check" }, close, h("label", { for: "wrapup-close" }, t("wrapup_close")), " ", lockedNote),
    queueField,
    h("div", { class: "field" }, h("label", { for: "wrapup-description" }, t("wrapup_description"), " ", requiredNote), description),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "wrapup-review" }, t("wrapup_review"))),
  );
  const review = h("section", { id: "wrapup-review-panel", hidden: true, tabindex: "-1", "aria-labelledby": "review-heading" });

  function values() {
    const reason = reasonOf(reasonSelect.value);
    const closed = close.checked;
    return {
      reason: reasonSelect.value,
      close: reason?.locked ? null : closed,
      queue: closed ? null : queueSelect.value || null,
      description: description.value.trim(),
    };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = values();
    const missing = !chosen.reason
      ? t("wrapup_reason")
      : !queueField.hidden && !chosen.queue
        ? t("wrapup_queue")
        : description.required && !chosen.description
          ? t("wrapup_description")
          : null;
    error.hidden = !missing;
    if (missing) {
      error.textContent = `${t("required")} (${missing})`;
      return;
    }
    const reason = reasonOf(chosen.reason);
    const queue = catalog.queues.find((item) => item.key === chosen.queue);
    const rows = [
      [t("wrapup_reason"), reason?.label || chosen.reason],
      [t("wrapup_close"), close.checked ? t("yes") : t("no")],
      ...(chosen.queue ? [[t("wrapup_queue"), queue?.label || chosen.queue]] : []),
      [t("wrapup_description"), chosen.description || "—"],
    ];
    const saveButton = h("button", { type: "button", class: "primary", id: "wrapup-save", onclick: () => save(chosen) }, t("save"));
    review.replaceChildren(
      h("h2", { id: "review-heading" }, t("review_heading")),
      h("dl", { class: "facts review" }, rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", id: "wrapup-back", onclick: backToForm }, t("review_back")),
        saveButton,
      ),
    );
    form.hidden = true;
    review.hidden = false;
    saveButton.focus();
  });

  function backToForm() {
    review.hidden = true;
    form.hidden = false;
    reasonSelect.focus();
  }

  element.replaceChildren(form, review);
  applyReason(Boolean(state.reason));
  reasonSelect.focus();
}

// The service refused the form: back to it, with the agent's values and the reason why.
export function wrapupRefused(element, text) {
  const form = element.querySelector("#wrapup-form");
  const error = element.querySelector("#wrapup-error");
  if (!form || !error) return false;
  element.querySelector("#wrapup-review-panel").hidden = true;
  form.hidden = false;
  error.textContent = text;
  error.hidden = false;
  error.focus?.();
  return true;
}
