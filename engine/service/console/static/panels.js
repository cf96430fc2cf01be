// The side panels: the customer in hand (data, history, the case or task) and each effect as
// it happens, an SMS with its segments, the provider used and whether it was the fallback.
import { h, t } from "./i18n.js";

const HIDDEN = new Set(["history", "comments"]);

// A field of the sample data, named in the console's language where the catalog knows it;
// a field it does not know is left out rather than shown in another language.
function facts(data) {
  const rows = Object.entries(data || {}).filter(
    ([name, value]) => !HIDDEN.has(name) && value !== null && value !== "" && typeof value !== "object" && known(`field.${name}`),
  );
  return h("dl", { class: "facts" }, rows.flatMap(([name, value]) => [h("dt", {}, t(`field.${name}`)), h("dd", {}, String(value))]));
}

function known(key) {
  return t(key) !== key;
}

function effectName(name) {
  return known(`effect.${name}`) ? t(`effect.${name}`) : t("effect.other");
}

function block(title, data) {
  return h("section", { class: "panel-block" }, h("h3", {}, title), facts(data));
}

// The customer of the call: its input, or what the flow found (a lookup saved as `client`,
// `customer`, `member`...): the first answer that looks like a person or account.
function customerOf(current) {
  const input = current.input || {};
  if (input.customer) return input.customer;
  const answers = current.answers || {};
  for (const name of ["customer", "client", "member", "subscriber", "caller"]) {
    if (answers[name] && typeof answers[name] === "object") return answers[name];
  }
  return null;
}

export function customerPanel(element, current) {
  const input = current.input || {};
  const answers = current.answers || {};
  const parts = [];
  const customer = customerOf(current);
  if (customer) parts.push(block(t("customer_heading"), customer));
  const task = answers.task || input.task;
  if (task && typeof task === "object") parts.push(block(t("task_heading"), task));
  const found = answers.case || input.case;
  if (found && typeof found === "object") parts.push(block(t("case_heading"), found));
  const history = (current.effects || []).filter((e) => e.name === "customer.history" && e.ok).pop();
  if (history && Array.isArray(history.result) && history.result.length) {
    parts.push(
      h(
        "section",
        { class: "panel-block" },
        h("h3", {}, t("history_heading")),
        h("ul", {}, history.result.map((entry) => h("li", {}, [entry.date, entry.text || entry.summary || entry.type].filter(Boolean).join(" — ")))),
      ),
    );
  }
  element.replaceChildren(...parts);
  element.hidden = !parts.length;
}

function sms(effect, fallback) {
  const result = effect.result || {};
  const segments = result.segments;
  return h(
    "li",
    { class: `effect sms ${effect.ok ? "ok" : "failed"}`, dataset: { effect: effect.name } },
    h("strong", {}, t("sms_heading")),
    " ",
    effect.args?.to ? t("sms_to", { to: effect.args.to }) : "",
    h("blockquote", { class: "sms-text" }, effect.args?.text || ""),
    effect.ok
      ? [
          segments ? h("span", { class: "segments" }, t("sms_segments", { segments })) : null,
          segments > 1 ? h("p", { class: "double-cost", role: "note" }, t("sms_double_cost", { segments })) : null,
          result.provider ? h("span", { class: "provider" }, " · ", t("sms_provider", { provider: result.provider })) : null,
          fallback ? h("span", { class: "badge fallback" }, t("sms_fallback")) : null,
        ]
      : h("p", { class: "effect-error" }, `${t("effect_failed")}: ${effect.error || ""}`),
  );
}

export function effectsPanel(element, current) {
  // lookups show as the pick list itself, not as something done
  const effects = (current.effects || []).filter((effect) => !effect.name.startsWith("lookup"));
  const pending = current.view.pending || [];
  let smsFailed = false;
  const items = effects.map((effect) => {
    if (effect.name === "sms.send") {
      // an SMS sent after one that failed in the same call went through the fallback provider
      const item = sms(effect, effect.ok && smsFailed);
      smsFailed = smsFailed || !effect.ok;
      return item;
    }
    return h(
      "li",
      { class: `effect ${effect.ok ? "ok" : "failed"}`, dataset: { effect: effect.name } },
      effectName(effect.name),
      " — ",
      effect.ok ? t("effect_ok") : `${t("effect_failed")}: ${effect.error || ""}`,
    );
  });
  for (const waiting of pending) {
    items.push(h("li", { class: "effect pending", dataset: { effect: waiting.name } }, effectName(waiting.name), " — ", t("effect_pending")));
  }
  element.replaceChildren(h("h2", {}, t("effects_heading")), items.length ? h("ol", { class: "effects" }, items.reverse()) : h("p", {}, t("no_effects")));
}
