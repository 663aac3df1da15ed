// AdminPage: the duplicate-lead report as server-rendered HTML (GET /admin/report) and its
// sign-in form. Every value from the database or the request is escaped; the little JavaScript
// (inline, allowed by a per-response nonce in the Content-Security-Policy) posts the admin
// actions with the page's CSRF token and reloads; signing out and ending every session are plain
// forms carrying the same token. Pure functions: data in, HTML out.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/findings.h"
#include "store/admin_review.h"

namespace cf::daemon {

// & < > " ' as HTML entities.
std::string html_escape(std::string_view text);

// A tenant's name and prefix, as the store reads them.
using TenantLabel = store::TenantLabel;

struct ReportView {
  std::vector<reconcile::Finding> findings;              // this page, as filtered, newest first
  std::map<store::LeadRef, store::LeadCard> leads;       // the leads the findings name
  std::map<std::string, std::map<std::string, int>> counts;  // kind -> status -> findings
  std::map<std::string, TenantLabel> tenants;            // tenant id -> label
  long long outbox_failed = 0;                           // Systeme.io syncs failed for good, not discarded
  std::string status_filter = "open";
  std::string kind_filter;                               // empty: every kind
  std::string email_filter;                              // the search, normalised; empty: none
  bool first_page = true;                                // no cursor was given
  std::string next_cursor;                               // empty on the last page
  std::string csrf_token;
  std::string nonce;                                     // for the inline style and script
};

std::string render_report(const ReportView& view);

// The sign-in form; `error` (may be empty) is shown above it.
std::string render_sign_in(const std::string& error, const std::string& nonce);

// The Content-Security-Policy that goes with a page rendered with `nonce`.
std::string page_policy(const std::string& nonce);

}  // namespace cf::daemon
