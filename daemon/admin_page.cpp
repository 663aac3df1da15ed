#include "daemon/admin_page.h"

#include <sstream>

#include "common/text.h"

namespace cf::daemon {

using nlohmann::json;

namespace {

constexpr const char* kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
header { background: #1d2430; color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 16px; }
header h1 { font-size: 18px; margin: 0; flex: 1; }
main { padding: 16px 24px; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border: 1px solid #d9dde3; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eef0f3; }
.counts td.n { text-align: right; font-variant-numeric: tabular-nums; }
.filters { margin: 16px 0; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.owners { display: flex; gap: 8px; flex-wrap: wrap; }
.owner { border: 1px solid #d9dde3; border-radius: 4px; padding: 4px 8px; min-width: 180px; }
.first { background: #e6f4ea; border-color: #7cc08e; }
.badge { font-size: 11px; background: #7cc08e; color: #fff; border-radius: 3px; padding: 0 4px; }
.status-open { color: #b3261e; font-weight: 600; }
.status-acknowledged { color: #8a5a00; font-weight: 600; }
.lead dl { display: grid; grid-template-columns: auto 1fr; gap: 0 6px; margin: 4px 0; }
.lead dt { color: #5b6472; }
.lead dd { margin: 0; }
.converted { color: #1e7b34; font-weight: 600; }
.paging { margin: 12px 0; display: flex; gap: 16px; }
.evidence { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; max-width: 360px; }
.actions input[type=text] { width: 160px; }
#message { margin: 8px 0; min-height: 1.4em; color: #b3261e; }
form.signin { background: #fff; max-width: 420px; margin: 48px auto; padding: 24px; border: 1px solid #d9dde3; }
form.signin input { width: 100%; box-sizing: border-box; margin: 8px 0 16px; padding: 6px; }
.error { color: #b3261e; }
)css";

constexpr const char* kScript = R"js(
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const by = document.getElementById('by');
  const message = document.getElementById('message');
  by.value = localStorage.getItem('clientflow-admin-by') || '';
  by.addEventListener('change', () => localStorage.setItem('clientflow-admin-by', by.value.trim()));
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const row = button.closest('tr[data-id]');
    const body = { by: by.value.trim(), note: row.querySelector('input[name="note"]').value };
    if (!body.by) { message.textContent = 'Enter your name in "Acting as" first.'; by.focus(); return; }
    if (button.dataset.action === 'assign') {
      body.tenant_ids = [...row.querySelectorAll('input[name="owner"]:checked')].map((box) => box.value);
    }
    button.disabled = true;
    const answer = await fetch('/admin/findings/' + row.dataset.id + '/' + button.dataset.action, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    });
    if (answer.ok) { location.reload(); return; }
    button.disabled = false;
    const problem = await answer.json().catch(() => ({}));
    message.textContent = problem.error || ('The action failed (HTTP ' + answer.status + ').');
  });
})();
)js";

const std::vector<std::string>& kinds() {
  static const std::vector<std::string> all{"shared_contact", "foreign_prefix", "owner_mismatch", "unknown_prefix"};
  return all;
}
const std::vector<std::string>& statuses() {
  static const std::vector<std::string> all{"open", "acknowledged", "dismissed", "resolved"};
  return all;
}

std::string head(const std::string& title, const std::string& nonce) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + html_escape(title) + "</title><style nonce=\"" + html_escape(nonce) + "\">" + kStyle +
         "</style>";
}

std::string option(const std::string& value, const std::string& label, const std::string& selected) {
  return "<option value=\"" + html_escape(value) + "\"" + (value == selected ? " selected" : "") + ">" +
         html_escape(label) + "</option>";
}

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string link(const std::string& href, const std::string& text, const std::string& title = {}) {
  return "<a href=\"" + html_escape(href) + "\"" + (title.empty() ? "" : " title=\"" + html_escape(title) + "\"") + ">" +
         html_escape(text) + "</a>";
}

// What an admin decides by, for one tenant's lead; the lead's UUID only in a link to its deliveries.
std::string lead_details(const std::string& tenant_id, const std::string& lead_id, const store::LeadCard* card) {
  if (card == nullptr) return "<em>lead " + link("/admin/events?status=all&tenant=" + tenant_id, "gone", lead_id) + "</em>";
  const auto dd = [](const std::string& label, const std::string& value) {
    return "<dt>" + label + "</dt><dd>" + (value.empty() ? "<em>none</em>" : html_escape(value)) + "</dd>";
  };
  std::string tags;
  for (const auto& tag : card->tags) tags += (tags.empty() ? "" : ", ") + tag;
  const std::string how = card->captured_by.empty() ? "unknown" : card->captured_by == "form" ? "form" : "event " + card->captured_by;
  return "<dl>" + dd("name", card->name) + dd("phone", card->phone) + dd("ib_type", card->ib_type) +
         dd("captured", how + " at " + card->captured_at) + dd("tags", tags) + dd("last activity", card->last_activity) +
         "<dt>conversion</dt><dd>" + (card->converted ? "<span class=\"converted\">converted</span>" : "not converted") +
         "</dd></dl>" +
         link("/admin/events?status=all&tenant=" + tenant_id + "&email=" + url_escape(card->email), "deliveries", "lead " + lead_id);
}

std::string tenant_cards(const reconcile::Finding& f, const std::map<std::string, TenantLabel>& tenants,
                         const std::map<store::LeadRef, store::LeadCard>& leads) {
  std::string out = "<div class=\"owners\">";
  bool first = true;
  for (const auto& owner : f.tenants) {
    const std::string id = text_of(owner.value("tenant_id", json()));
    const auto label = tenants.find(id);
    const bool has_lead = !owner.value("lead_id", json()).is_null();
    const bool is_first = first && has_lead;
    if (has_lead) first = false;
    out += std::string("<div class=\"owner lead") + (is_first ? " first" : "") + "\">";
    out += "<strong>" + html_escape(label != tenants.end() ? label->second.name : id) + "</strong> ";
    if (label != tenants.end()) out += "<code>" + html_escape(label->second.prefix) + "</code> ";
    if (is_first) out += "<span class=\"badge\">captured first</span>";
    if (has_lead) {
      const std::string lead_id = text_of(owner["lead_id"]);
      const auto card = leads.find({id, lead_id});
      out += lead_details(id, lead_id, card == leads.end() ? nullptr : &card->second);
    } else {
      out += "<br><em>no lead (its tags are on the contact)</em>";
    }
    if (f.kind == "shared_contact" || f.kind == "foreign_prefix") {
      out += "<br><label><input type=\"checkbox\" name=\"owner\" value=\"" + html_escape(id) + "\"" +
             (has_lead ? " checked" : "") + "> owns it</label>";
    }
    out += "</div>";
  }
  return out + "</div>";
}

// The report's address for the given filters (and cursor, when not empty).
std::string report_link(const ReportView& view, const std::string& cursor) {
  std::string href = "/admin/report?status=" + url_escape(view.status_filter) + "&kind=" + url_escape(view.kind_filter);
  if (!view.email_filter.empty()) href += "&email=" + url_escape(view.email_filter);
  if (!cursor.empty()) href += "&cursor=" + url_escape(cursor);
  return href;
}

// A plain form (no script needed) posting to one of the session routes with the CSRF token.
std::string session_form(const std::string& action, const std::string& label, const std::string& csrf_token) {
  return "<form class=\"session\" method=\"post\" action=\"" + html_escape(action) +
         "\"><input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(csrf_token) +
         "\"><button type=\"submit\">" + html_escape(label) + "</button></form>";
}

std::string evidence_lines(const json& evidence) {
  std::string out;
  for (const auto& [key, value] : evidence.items()) out += html_escape(key) + ": " + html_escape(text_of(value)) + "\n";
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string page_policy(const std::string& nonce) {
  return "default-src 'none'; style-src 'nonce-" + nonce + "'; script-src 'nonce-" + nonce +
         "'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
}

std::string render_sign_in(const std::string& error, const std::string& nonce) {
  std::string out = head("Sign in - ClientFlow Relay", nonce) + "</head><body>"
                    "<form class=\"signin\" method=\"post\" action=\"/admin/session\">"
                    "<h1>ClientFlow Relay admin</h1>";
  if (!error.empty()) out += "<p class=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
  out += "<label for=\"token\">Admin token</label>"
         "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required autofocus>"
         "<button type=\"submit\">Sign in</button></form></body></html>\n";
  return out;
}

std::string render_report(const ReportView& view) {
  std::ostringstream out;
  out << head("Duplicate-lead report - ClientFlow Relay", view.nonce)
      << "<meta name=\"csrf-token\" content=\"" << html_escape(view.csrf_token) << "\"></head><body>"
      << "<header><h1>Duplicate-lead report</h1>"
      << "<label>Acting as <input id=\"by\" type=\"text\" placeholder=\"your name\" maxlength=\"200\"></label>"
      << session_form("/admin/session/end", "Sign out", view.csrf_token)
      << session_form("/admin/session/end-all", "End all sessions", view.csrf_token)
      << "</header><main>";

  // Counts by kind and status.
  out << "<table class=\"counts\" aria-label=\"Findings by kind and status\"><tr><th>kind</th>";
  for (const auto& status : statuses()) out << "<th>" << status << "</th>";
  out << "</tr>";
  for (const auto& kind : kinds()) {
    out << "<tr><td>" << kind << "</td>";
    const auto row = view.counts.find(kind);
    for (const auto& status : statuses()) {
      int n = 0;
      if (row != view.counts.end()) {
        const auto cell = row->second.find(status);
        if (cell != row->second.end()) n = cell->second;
      }
      out << "<td class=\"n\" data-kind=\"" << kind << "\" data-status=\"" << status << "\">" << n << "</td>";
    }
    out << "</tr>";
  }
  out << "</table>";
  out << "<p class=\"outbox\">Failed Systeme.io syncs: <span id=\"outbox-failed\">" << view.outbox_failed
      << "</span> (<a href=\"/admin/outbox?state=failed\">list</a>; requeue with <code>clientflow-relay outbox retry"
      << "</code>)</p>";

  // Filters: a plain GET form, so a filtered view is a link.
  out << "<form class=\"filters\" method=\"get\" action=\"/admin/report\">"
      << "<label>Status <select name=\"status\">" << option("open", "open and acknowledged", view.status_filter)
      << option("all", "all", view.status_filter);
  for (const auto& status : statuses()) out << option(status, status, view.status_filter);
  out << "</select></label><label>Kind <select name=\"kind\">" << option("", "every kind", view.kind_filter);
  for (const auto& kind : kinds()) out << option(kind, kind, view.kind_filter);
  out << "</select></label><label>Email <input type=\"search\" name=\"email\" value=\"" << html_escape(view.email_filter)
      << "\" placeholder=\"search by email\" maxlength=\"254\"></label><button type=\"submit\">Filter</button>"
      << "<a href=\"/admin/findings?format=csv&amp;status=" << html_escape(view.status_filter) << "&amp;kind="
      << html_escape(view.kind_filter) << "\">CSV</a></form>";

  out << "<p id=\"message\" role=\"status\"></p>";
  out << "<p><span id=\"shown\">" << view.findings.size() << "</span> finding"
      << (view.findings.size() == 1 ? "" : "s") << " shown, newest first</p>";
  out << "<table class=\"findings\"><thead><tr><th>id</th><th>kind</th><th>subject</th><th>status</th>"
      << "<th>tenants</th><th>evidence</th><th>held</th><th>actions</th></tr></thead><tbody>";
  for (const auto& f : view.findings) {
    out << "<tr data-id=\"" << f.id << "\" data-kind=\"" << html_escape(f.kind) << "\"><td>" << f.id << "</td><td>"
        << html_escape(f.kind) << "</td><td>" << html_escape(f.subject) << "</td><td><span class=\"status-"
        << html_escape(f.status) << "\">" << html_escape(f.status) << "</span>";
    if (!f.status_by.empty()) {
      out << "<br><small>by " << html_escape(f.status_by) << " at " << html_escape(f.status_at);
      if (!f.status_note.empty()) out << ": " << html_escape(f.status_note);
      out << "</small>";
    }
    out << "<br><small>seen " << html_escape(f.first_seen) << " to " << html_escape(f.last_seen) << "</small></td>"
        << "<td>" << tenant_cards(f, view.tenants, view.leads) << "</td><td class=\"evidence\">" << evidence_lines(f.evidence)
        << "</td><td>" << f.held_deliveries.size() << "</td><td class=\"actions\">"
        << "<input type=\"text\" name=\"note\" placeholder=\"note\" maxlength=\"2000\"><br>"
        << "<button data-action=\"acknowledge\">Acknowledge</button> "
        << "<button data-action=\"dismiss\">Dismiss</button> "
        << "<button data-action=\"resolve\">Resolve</button>";
    if (f.kind == "shared_contact" || f.kind == "foreign_prefix") {
      out << " <button data-action=\"assign\" title=\"The ticked tenants own the contact from now on\">Assign</button>";
    }
    out << "</td></tr>";
  }
  out << "</tbody></table><nav class=\"paging\">";
  if (!view.first_page) out << "<a id=\"first-page\" href=\"" << html_escape(report_link(view, "")) << "\">First page</a>";
  if (!view.next_cursor.empty()) {
    out << "<a id=\"next-page\" href=\"" << html_escape(report_link(view, view.next_cursor)) << "\">Next page</a>";
  }
  out << "</nav></main><script nonce=\"" << html_escape(view.nonce) << "\">" << kScript
      << "</script></body></html>\n";
  return out.str();
}

}  // namespace cf::daemon
