// The agent console: sign in, start a call, and take it from greeting to saved record.
// Every move goes through the service's API; the page only shows what the session says.
import { ApiError, idempotencyKey, identity, request, signInForm, signOut } from "./api.js";
import { config, h, t, updated } from "./i18n.js";
import { claim, release } from "./tabs.js";
import { customerPanel, effectsPanel } from "./panels.js";
import { wrapupForm, wrapupRefused } from "./wrapup.js";

const pack = config.pack;
const $ = (id) => document.getElementById(id);
const sections = ["sign-in", "start", "call", "wrapup", "saved", "elsewhere"];
let session = null; // the SessionOut last shown
let packInfo = null; // GET /v1/packs/{pack}
let kept = null; // what the agent typed, kept when the service refuses it: {step, value}
let timer = null;
// What a session says with ?detail=full besides its view: the panels and the rule counts show it.
const DETAIL = ["input", "answers", "effects", "events"];

function show(name) {
  updated();
  for (const id of sections) $(id).hidden = id !== name;
}

function message(text, kind = "error") {
  const box = $("message");
  box.textContent = text || "";
  box.dataset.kind = kind;
  box.hidden = !text;
  updated();
}

function callId() {
  const match = location.pathname.match(/\/call\/([^/]+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

// --- sign-in and start -----------------------------------------------------------------------

function showIdentity() {
  const who = identity();
  $("who").hidden = !who;
  if (who) $("who-name").textContent = who.display || who.name;
}

signInForm($("sign-in-form"), {
  signedIn: () => {
    message("");
    return route();
  },
  refused: message,
});

$("sign-out").addEventListener("click", () => {
  signOut();
  location.assign(`/console/${encodeURIComponent(pack)}`);
});

async function loadPack() {
  packInfo = packInfo || (await request("GET", `/packs/${encodeURIComponent(pack)}`));
  return packInfo;
}

function inputField(name) {
  const known = { customer: ["customer_id", t("start_customer_id")], task: ["task_id", t("start_task_id")] };
  const [field, label] = known[name] || [`input.${name}`, name];
  const id = `start-${field.replace(".", "-")}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: field, type: "text", autocomplete: "off", "aria-describedby": "start-input-hint" }),
  );
}

function showInputs() {
  const select = $("start-flow");
  const flow = packInfo.flows.find((item) => item.name === select.value);
  const inputs = (flow?.inputs || []).filter((name) => name !== "agent");
  $("start-inputs").replaceChildren(...inputs.map(inputField));
  $("start-input-hint").hidden = !inputs.length;
}

async function showStart() {
  show("start");
  const info = await loadPack();
  const select = $("start-flow");
  if (!select.options.length) {
    const defaultFlow = info.default_flow || info.flows[0]?.name;
    for (const flow of info.flows) {
      select.append(h("option", { value: flow.name, selected: flow.name === defaultFlow }, flow.title || flow.name));
    }
    select.addEventListener("change", showInputs);
  }
  showInputs();
  const live = await request("GET", `/sessions?live=true&pack=${encodeURIComponent(pack)}`);
  $("live-list").replaceChildren(
    ...(live.length
      ? live.map((item) =>
          h(
            "li",
            {},
            h("a", { href: callHref(item.id) }, `${flowTitle(item.flow)} — ${new Date(item.started).toLocaleTimeString(config.language)}`),
          ),
        )
      : [h("li", {}, t("no_live_calls"))]),
  );
  select.focus();
}

function callHref(id) {
  return `/console/${encodeURIComponent(pack)}/call/${encodeURIComponent(id)}`;
}

function flowTitle(name) {
  return packInfo?.flows.find((flow) => flow.name === name)?.title || name;
}

$("start-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { pack, flow: form.elements.flow.value, context: {} };
  for (const input of form.querySelectorAll("#start-inputs input")) {
    const value = input.value.trim();
    if (!value) continue;
    if (input.name.startsWith("input.")) body.context[input.name.slice(6)] = value;
    else body[input.name] = value;
  }
  try {
    const started = await request("POST", "/sessions", body);
    history.pushState({}, "", callHref(started.id));
    message("");
    await openCall(started);
  } catch (error) {
    failed(error);
  }
});

// --- the call ----------------------------------------------------------------------------------

async function openCall(known) {
  const id = known?.id || callId();
  if (!(await claim(id))) {
    show("elsewhere");
    $("elsewhere-text").focus();
    return;
  }
  await loadPack();
  render(known || (await request("GET", `/sessions/${encodeURIComponent(id)}?detail=full`)));
}

async function move(path, body = {}) {
  if (!session) return;
  try {
    const moved = await request(
      "POST",
      `/sessions/${encodeURIComponent(session.id)}/${path}`,
      { version: session.version, ...body },
      { "Idempotency-Key": idempotencyKey() },
    );
    kept = null;
    message("");
    render(moved);
  } catch (error) {
    failed(error, body);
  }
}

function failed(error, body = {}) {
  if (!(error instanceof ApiError)) throw error;
  const problem = error.problem;
  if (error.status === 401) {
    signOut();
    showIdentity();
    message(t("signed_out"));
    show("sign-in");
    $("sign-in-name").focus();
    return;
  }
  if (error.code === "invalid-answer" && session?.view.kind === "wrapup" && wrapupRefused($("wrapup-body"), problem.detail)) {
    return;
  }
  if (error.code === "invalid-answer" && problem.session) {
    kept = { step: problem.session.view.step, value: body.value };
    render(problem.session, problem.detail);
    return;
  }
  if (error.code === "stale-version" && problem.session) {
    render(problem.session);
    message(t("moved_on"), "warning");
    return;
  }
  if (error.code === "busy") return message(t("busy"));
  if (error.status === 404) return message(t("session_lost"));
  if (error.status === 0) return message(t("network"));
  message(error.message);
}

function render(next, refusal = null) {
  // a move's answer has no detail (moves stay small): the last one read is shown until the
  // detail of this version comes (readDetail), so nothing flickers away meanwhile
  const detailed = next.effects !== undefined && next.effects !== null;
  if (!detailed && session?.id === next.id) {
    next = { ...Object.fromEntries(DETAIL.map((name) => [name, session[name]])), ...next };
  }
  session = next;
  const view = next.view;
  if (next.ended || view.kind === "ended") {
    release(next.id);
    return showSaved(next);
  }
  if (view.kind === "wrapup") {
    show("wrapup");
    wrapupForm($("wrapup-body"), next, packInfo, (values) => move("wrapup", values));
    return;
  }
  show("call");
  startTimer(next.started);
  $("call-flow").textContent = flowTitle(view.flow);
  $("call").dataset.step = view.step; // for tests and support, not a word the agent reads
  renderNotice(view);
  const say = $("say");
  say.hidden = !view.say;
  $("say-text").textContent = view.say || "";
  $("question").hidden = !view.text;
  $("question-text").textContent = view.text || "";
  $("note").hidden = !view.note; // the step's note for the agent, under its text; never read aloud
  $("note").textContent = view.note || "";
  $("hint").hidden = !view.hint;
  $("hint-text").textContent = view.hint || "";
  $("warnings").replaceChildren(...(view.warnings || []).map((text) => h("li", {}, text)));
  $("warnings").hidden = !(view.warnings || []).length;
  renderAnswer(view, refusal ?? view.error);
  $("back").hidden = !view.can_back;
  renderRules(next);
  customerPanel($("customer"), next);
  effectsPanel($("effects"), next);
  focusAnswer();
  if (!detailed) readDetail(next);
}

// The call's input, answers, effects and rule events, read after a move: the customer panel,
// each effect as it happened, and the rule counts (which a reload reads the same way).
async function readDetail(shown) {
  let detail;
  try {
    detail = await request("GET", `/sessions/${encodeURIComponent(shown.id)}?detail=full`);
  } catch (error) {
    return failed(error);
  }
  if (session !== shown || detail.version !== shown.version) return; // moved on: that move reads its own
  session = { ...shown, ...Object.fromEntries(DETAIL.map((name) => [name, detail[name]])) };
  renderRules(session);
  customerPanel($("customer"), session);
  effectsPanel($("effects"), session);
  updated();
}

function renderNotice(view) {
  const panel = $("notice");
  const notice = view.notice;
  panel.hidden = !notice;
  if (!notice) return;
  panel.dataset.kind = notice.kind;
  $("notice-heading").textContent = notice.kind === "warning" ? t("warning_heading") : t("notice_effect");
  $("notice-text").textContent = notice.text || "";
}

// --- answers -----------------------------------------------------------------------------------

function renderAnswer(view, error) {
  const form = $("answer-form");
  const spec = view.answer;
  const body = $("answer-body");
  const limits = [];
  let control;
  form.dataset.type = spec?.type || view.kind;
  if (view.kind === "say" || view.kind === "wait" || !spec) {
    control = h("button", { type: "submit", class: "primary", id: "continue" }, t("continue"));
  } else if (spec.type === "retry") {
    control = [h("p", {}, t("retry_text")), h("button", { type: "submit", class: "primary" }, t("retry"))];
  } else if (spec.type === "yes_no") {
    control = optionButtons([
      { key: "yes", label: t("yes"), chosen: spec.default === true },
      { key: "no", label: t("no"), chosen: spec.default === false },
    ]);
    limits.push(t("options_keys"));
  } else if (spec.type === "choice" || (spec.type === "lookup" && spec.phase === "pick")) {
    control = optionButtons(spec.options.map((option) => ({ ...option, chosen: option.key === spec.default })));
    limits.push(t("options_keys"));
  } else if (spec.type === "multi") {
    control = multiSelect(spec);
    limits.push(t("multi_keys"));
  } else {
    control = field(spec, limits);
  }
  const errorBox = $("answer-error");
  errorBox.textContent = error || "";
  errorBox.hidden = !error;
  if (spec?.attempts) limits.push(t("attempts", { used: spec.attempts.used + 1, max: spec.attempts.max }));
  if (spec?.optional) limits.push(t("optional"));
  $("answer-limits").textContent = limits.join(" · ");
  body.replaceChildren(...[control].flat());
}

function optionButtons(options) {
  return h(
    "ol",
    { class: "options", role: "list" },
    options.map((option, index) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: option.chosen ? "option chosen" : "option",
            dataset: { key: option.key, number: String(index + 1) },
            disabled: Boolean(option.disabled),
            title: option.disabled || null,
            onclick: () => move("answer", { value: option.key, step: session.view.step }),
          },
          h("kbd", { "aria-hidden": "true" }, String(index + 1)),
          " ",
          option.label,
          option.disabled ? h("span", { class: "disabled-why" }, ` — ${option.disabled}`) : null,
        ),
      ),
    ),
  );
}

function multiSelect(spec) {
  const chosen = kept?.step === session.view.step && Array.isArray(kept.value) ? kept.value : spec.default || [];
  return [
    h(
      "fieldset",
      { class: "multi" },
      h("legend", { class: "visually-hidden" }, t("answer_label")),
      spec.options.map((option, index) =>
        h(
          "div",
          { class: "check" },
          h("input", {
            type: "checkbox",
            id: `multi-${index}`,
            value: option.key,
            checked: chosen.includes(option.key),
            disabled: Boolean(option.disabled),
          }),
          h("label", { for: `multi-${index}` }, h("kbd", {}, String(index + 1)), " ", option.label),
        ),
      ),
    ),
    h("button", { type: "submit", class: "primary" }, t("submit_answer")),
  ];
}

// A typed answer: the control its type needs, its limits shown beside it.
function field(spec, limits) {
  const keptValue = kept?.step === session.view.step ? kept.value : null;
  const start = keptValue ?? spec.default ?? "";
  const common = { id: "answer-input", name: "value", "aria-describedby": "answer-limits answer-error" };
  if (spec.type === "lookup") {
    const names = (spec.by || []).map((name) => (t(`field.${name}`) === `field.${name}` ? name : t(`field.${name}`)));
    limits.push(t("search_by", { fields: names.join(", ") }));
    return [
      h("label", { for: "answer-input" }, t("search_label")),
      h("input", { ...common, type: "search", value: start, autocomplete: "off" }),
      h("button", { type: "submit", class: "primary" }, t("search_button")),
    ];
  }
  if (spec.type === "datetime") {
    const [day, time] = String(start).split("T");
    return [
      h("label", { for: "answer-input" }, t("date_label")),
      h("input", { ...common, type: "date", value: day || "" }),
      h("label", { for: "answer-time" }, t("time_label")),
      h("input", { id: "answer-time", name: "time", type: "time", value: (time || "").slice(0, 5) }),
      h("button", { type: "submit", class: "primary" }, t("submit_answer")),
    ];
  }
  const types = { number: "text", phone: "tel", email: "email", date: "date", time: "time" };
  const attributes = { ...common, type: types[spec.type] || "text", value: start, autocomplete: "off" };
  if (spec.type === "number") attributes.inputmode = "decimal";
  if (spec.type === "text") {
    if (spec.max_length) attributes.maxlength = spec.max_length;
    if (spec.min_length && spec.max_length) limits.push(t("text_limits", { min: spec.min_length, max: spec.max_length }));
    else if (spec.max_length) limits.push(t("text_max", { max: spec.max_length }));
    else if (spec.min_length) limits.push(t("text_min", { min: spec.min_length }));
  }
  if (spec.type === "number") {
    if (spec.minimum !== undefined && spec.maximum !== undefined)
      limits.push(t("number_range", { min: spec.minimum, max: spec.maximum }));
    else if (spec.minimum !== undefined) limits.push(t("number_min", { min: spec.minimum }));
    else if (spec.maximum !== undefined) limits.push(t("number_max", { max: spec.maximum }));
  }
  if (spec.type === "phone") {
    if (spec.digits) limits.push(t("phone_digits", { digits: spec.digits }));
    if (spec.region) limits.push(t("phone_region", { region: spec.region }));
  }
  if (spec.pattern && spec.type === "text") limits.push(t("pattern", { pattern: spec.pattern }));
  const long = spec.type === "text" && (!spec.max_length || spec.max_length > 200);
  const input = long ? h("textarea", { ...common, rows: 3, maxlength: spec.max_length || null }, start) : h("input", attributes);
  if (long) {
    limits.push(t("ctrl_enter")); // Enter writes a new line in a long text
  }
  const parts = [h("label", { for: "answer-input" }, t("answer_label")), input];
  if (spec.type === "text") {
    const counter = h("span", { class: "counter", "aria-live": "off" }, t("text_count", { count: String(start).length }));
    input.addEventListener("input", () => (counter.textContent = t("text_count", { count: input.value.length })));
    parts.push(counter);
  }
  parts.push(h("button", { type: "submit", class: "primary" }, t("submit_answer")));
  return parts;
}

$("answer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const view = session.view;
  const spec = view.answer;
  if (view.kind === "say" || view.kind === "wait" || !spec || spec.type === "retry") {
    return move("answer", { value: null, step: view.step });
  }
  let value;
  if (spec.type === "multi") {
    value = [...$("answer-body").querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
  } else if (spec.type === "datetime") {
    const day = $("answer-input").value;
    const time = $("answer-time").value;
    value = day && time ? `${day}T${time}` : day || time || null;
  } else {
    const input = $("answer-input");
    if (!input) return;
    value = input.value.trim() === "" ? null : input.value;
  }
  kept = { step: view.step, value };
  move("answer", { value, step: view.step });
});

// Ctrl+Enter answers from any field (the only way from a long text, where Enter is a new line).
$("answer-form").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    $("answer-form").requestSubmit();
  }
});

function focusAnswer() {
  const target =
    $("answer-input") || $("answer-body").querySelector("input, button.option.chosen, button.option:not([disabled]), button");
  target?.focus();
}

// Options by number key: 1-9 picks the option with that number (not while typing in a field).
document.addEventListener("keydown", (event) => {
  if ($("call").hidden || event.altKey || event.ctrlKey || event.metaKey) return;
  const typing = event.target.matches?.("input[type=text], input[type=search], input[type=tel], input[type=email], input[type=date], input[type=time], textarea, select");
  if (typing || !/^[1-9]$/.test(event.key)) return;
  const number = event.key;
  const option = $("answer-body").querySelector(`button.option[data-number="${number}"]`);
  const box = $("answer-body").querySelectorAll("input[type=checkbox]")[Number(number) - 1];
  if (option && !option.disabled) {
    event.preventDefault();
    option.click();
  } else if (box && !box.disabled) {
    event.preventDefault();
    box.checked = !box.checked;
    box.focus();
  }
});

// --- rules, back, hang-up ----------------------------------------------------------------------

function renderRules(current) {
  const events = current.view.events || [];
  const list = $("rules-list");
  $("rules").hidden = !events.length;
  const counts = {};
  const limits = {};
  // a rule's count is its last event's; the event that reached the limit started it again
  for (const entry of current.events || []) counts[entry.rule] = entry.limit ? 0 : entry.count;
  // the warning just given names its rule's count and number of warnings too
  const notice = current.view.notice;
  if (notice?.kind === "warning") {
    counts[notice.rule] = Math.max(counts[notice.rule] || 0, notice.count);
    limits[notice.rule] = notice.of;
  }
  list.replaceChildren(
    ...events.map((event) => {
      const rule = (packInfo?.rules || config.rules || []).find((item) => item.name === event.name);
      const count = counts[event.name] || 0;
      const warnings = rule ? rule.warnings : limits[event.name];
      let next = "";
      if (warnings !== undefined) {
        const left = warnings - count;
        next = warnings === 0 ? t("rule_no_warnings") : left > 0 ? t("rule_warnings_left", { left }) : t("rule_ends");
      }
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "rule",
            dataset: { rule: event.name },
            onclick: () => move("signal", { event: event.name }),
          },
          h("span", { class: "rule-label" }, event.label),
          h("span", { class: "rule-count" }, t("rule_count", { count })),
          next ? h("span", { class: "rule-next" }, next) : null,
        ),
      );
    }),
  );
}

$("back").addEventListener("click", () => move("back"));
$("hang-up").addEventListener("click", () => {
  $("hang-up-confirm").hidden = false;
  $("hang-up-yes").focus();
});
$("hang-up-no").addEventListener("click", () => {
  $("hang-up-confirm").hidden = true;
  $("hang-up").focus();
});
$("hang-up-yes").addEventListener("click", () => {
  $("hang-up-confirm").hidden = true;
  const outcomes = packInfo?.outcomes || [];
  move("hangup", { outcome: outcomes.includes("dropped") || !outcomes.length ? "dropped" : outcomes[0] });
});

function startTimer(started) {
  clearInterval(timer);
  const begin = Date.parse(started);
  const tick = () => {
    const seconds = Math.max(0, Math.round((Date.now() - begin) / 1000));
    $("call-elapsed").textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  timer = setInterval(tick, 1000);
}

// --- the end -----------------------------------------------------------------------------------

function showSaved(done) {
  clearInterval(timer);
  show("saved");
  const record = done.view.record || {};
  const rows = [
    [t("outcome"), done.outcome || record.outcome],
    [t("wrapup_reason"), record.reason_label || record.reason],
    [t("wrapup_close"), record.close ? t("yes") : t("no")],
    [t("wrapup_queue"), record.queue_name || record.queue],
    [t("wrapup_description"), record.description],
  ].filter(([, value]) => value !== null && value !== undefined && value !== "");
  $("saved-record").replaceChildren(...rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
  $("new-call").focus();
}

// --- where the page is ---------------------------------------------------------------------------

async function route() {
  showIdentity();
  const id = callId();
  if (id && !(await claim(id))) {
    show("elsewhere");
    return;
  }
  if (!identity()) {
    show("sign-in");
    $("sign-in-name").focus();
    return;
  }
  try {
    if (id) await openCall({ id, ...(await request("GET", `/sessions/${encodeURIComponent(id)}?detail=full`)) });
    else await showStart();
  } catch (error) {
    failed(error);
  }
}

window.addEventListener("popstate", route);
route();
