// The supervisor's view: live calls, call records with filters, and what they add up to
// (figures from /v1/reports, worked out by callguide.service.reports on the server).
import { ApiError, identity, request, signInForm, signOut } from "./api.js";
import { config, h, t, updated } from "./i18n.js";

const pack = config.pack;
const $ = (id) => document.getElementById(id);
let funnelFlow = "";

function message(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
  updated();
}

function rows(table, lines) {
  table.querySelector("tbody").replaceChildren(
    ...(lines.length ? lines : [[t("none")]]).map((cells) => h("tr", {}, cells.map((cell, index) => h(index ? "td" : "th", index ? {} : { scope: "row" }, cell ?? "")))),
  );
}

function fill(select, values, chosen) {
  const keep = [...select.options].filter((option) => option.value === "" || option.value === "any");
  select.replaceChildren(...keep, ...values.map(([value, label]) => h("option", { value, selected: value === chosen }, label)));
}

function query() {
  const data = new FormData($("filters"));
  const params = new URLSearchParams({ pack });
  for (const [name, value] of data) if (value) params.set(name, value);
  if (funnelFlow) params.set("funnel", funnelFlow);
  return params;
}

function minutes(seconds) {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

async function load() {
  const params = query();
  const report = await request("GET", `/reports?${params}`);
  const chosen = Object.fromEntries(params);
  fill($("f-agent"), report.options.agents.map((name) => [name, name]), chosen.agent);
  fill($("f-flow"), report.options.flows.map((flow) => [flow.name, flow.title]), chosen.flow);
  fill($("f-reason"), report.options.reasons.map((reason) => [reason.key, reason.label]), chosen.reason);
  fill($("f-rule"), report.options.rules.map((rule) => [rule.name, rule.label]), chosen.rule);
  const figures = report.summary;
  $("kpi-calls").textContent = figures.calls;
  $("kpi-closed").textContent = figures.closed_share === null ? "—" : `${Math.round(figures.closed_share * 100)}% (${figures.closed})`;
  const labels = Object.fromEntries(report.options.reasons.map((reason) => [reason.key, reason.label]));
  rows($("reasons"), figures.reasons.map(([key, count]) => [labels[key] || key, count]));
  rows($("handling"), Object.entries(figures.handling).map(([agent, time]) => [agent || t("handling_all"), time.count, minutes(time.mean), minutes(time.median), minutes(time.total)]));
  const perRule = (table) => Object.entries(table).map(([name, counts]) => [name, Object.entries(counts).map(([rule, count]) => `${rule} × ${count}`).join(", ")]);
  rows($("rules-flow"), perRule(figures.rules_per_flow));
  rows($("rules-agent"), perRule(figures.rules_per_agent));
  const select = $("funnel-flow");
  select.replaceChildren(...report.options.flows.map((flow) => h("option", { value: flow.name, selected: flow.name === report.funnel.flow }, flow.title)));
  rows($("funnel"), report.funnel.steps.map((step) => [step.step, step.reached, step.ended_here]));
  $("rejections-section").hidden = !report.rejections.length;
  rows($("rejections"), report.rejections.map((row) => [row.date, row.agent, row.reason, row.customer, row.vehicle, row.follow_up]));
  $("repeat-section").hidden = !report.repeat_contacts.length;
  rows($("repeat"), report.repeat_contacts.map((row) => [row.case, row.subject, row.status, row.contacts, row.agents.join(", "), row.last.slice(0, 16).replace("T", " ")]));
  rows($("records"), report.records.map((record) => [
    record.started.slice(0, 16).replace("T", " "), record.agent, record.flow_title, record.reason_label || record.reason,
    record.close ? t("yes") : t("no"), record.rules, minutes(record.duration_seconds || 0),
  ]));
  const live = await request("GET", `/sessions?live=true&pack=${encodeURIComponent(pack)}`);
  rows($("live"), live.map((call) => [call.owner, report.options.flows.find((flow) => flow.name === call.flow)?.title || call.flow, call.view?.step || "", minutes((Date.now() - Date.parse(call.started)) / 1000)]));
}

async function exportCsv() {
  const token = sessionStorage.getItem("callguide.token");
  const params = query();
  params.delete("funnel"); // the export is the records, whatever the funnel shows
  const response = await fetch(`/v1/reports/calls.csv?${params}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) return message((await response.json()).detail);
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: `calls-${pack}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
}

async function guarded(action) {
  try {
    await action();
    message("");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) {
      signOut();
      return route(t("signed_out"));
    }
    if (error.status === 403) {
      $("board").hidden = true;
      $("not-supervisor").hidden = false;
      return updated();
    }
    message(error.message);
  }
}

$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(load);
});
$("filters").addEventListener("reset", () => setTimeout(() => guarded(load)));
$("funnel-flow").addEventListener("change", (event) => {
  funnelFlow = event.target.value;
  guarded(load);
});
$("export").addEventListener("click", () => guarded(exportCsv));
signInForm($("sign-in-form"), { signedIn: () => route(), refused: message });
$("sign-out").addEventListener("click", () => {
  signOut();
  route();
});

function route(note = "") {
  const who = identity();
  $("who").hidden = !who;
  $("sign-in").hidden = Boolean(who);
  $("board").hidden = !who;
  message(note);
  if (!who) {
    updated();
    return $("sign-in-name").focus();
  }
  $("who-name").textContent = who.display || who.name;
  guarded(load);
}

route();
