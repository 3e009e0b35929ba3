#include "report/HtmlReport.h"

#include "query/Why.h"
#include "report/Graphviz.h"

#include <map>
#include <sstream>

namespace reach {

namespace {

std::string esc(const std::string &S) {
  std::string R;
  for (char C : S)
    switch (C) {
    case '&': R += "&amp;"; break;
    case '<': R += "&lt;"; break;
    case '>': R += "&gt;"; break;
    case '"': R += "&quot;"; break;
    default: R += C;
    }
  return R;
}

std::string names(const Analysis &A, const std::vector<PathStep> &P) {
  std::string R;
  for (const PathStep &S : P)
    R += (R.empty() ? "" : " \u2192 ") + A.G.Nodes[S.Id].Name;
  return R;
}

/// The why-path column: the path from a root, or for dead code the nearest
/// reached code that mentions it.
std::string whyText(const Analysis &A, const QueryGraph &Q, const SymbolVerdict &V) {
  if (V.S == Status::TestOnly) {
    std::string R;
    for (const std::string &N : A.whyPath(V))
      R += (R.empty() ? "" : " \u2192 ") + N;
    return "from test root: " + R;
  }
  WhyAnswer W = explain(A, Q, V.Id);
  if (W.Mentions.empty())
    return "nothing reached mentions it";
  std::string R = "mentioned by " + std::string(A.Prod.reached(W.Mentions.front().front().Id) ? "live" : "test-only") +
                  " code: " + names(A, W.Mentions.front());
  for (const std::string &N : W.Notes)
    R += " (" + N + ")";
  return R;
}

const char *Style = R"(
body{font-family:Helvetica,Arial,sans-serif;margin:1.5em;color:#222}
.counts span{display:inline-block;margin-right:1em;padding:.3em .6em;border-radius:4px}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;font-size:90%}
th{cursor:pointer;background:#f3f3f3}
th[aria-sort=ascending]::after{content:" \25B2"} th[aria-sort=descending]::after{content:" \25BC"}
.graph{overflow:auto;border:1px solid #ddd;max-height:40em}
)";

// Click a header to sort by it (again to reverse). A location hash
// "#sort=<column>-<asc|desc>" applies a sort on load, so a link can share a
// view. body[data-sort-ready] tells that the script ran.
const char *Script = R"(
(function(){
  function key(td,type){var v=td.getAttribute('data-value')||td.textContent;return type==='num'?Number(v):v.toLowerCase();}
  function sortTable(table,col,dir){
    var th=table.tHead.rows[0].cells[col],type=th.getAttribute('data-type')||'text';
    var rows=Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function(a,b){var x=key(a.cells[col],type),y=key(b.cells[col],type);return (x<y?-1:x>y?1:0)*(dir==='desc'?-1:1);});
    rows.forEach(function(r){table.tBodies[0].appendChild(r);});
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir==='desc'?'descending':'ascending');
    table.setAttribute('data-sorted',th.getAttribute('data-col')+'-'+dir);
  }
  var tables=document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables,function(t){
    Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){
      th.addEventListener('click',function(){sortTable(t,i,th.getAttribute('aria-sort')==='ascending'?'desc':'asc');});
    });
  });
  var m=/sort=([a-z]+)-(asc|desc)/.exec(location.hash);
  if(m)Array.prototype.forEach.call(tables,function(t){
    Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){if(th.getAttribute('data-col')===m[1])sortTable(t,i,m[2]);});
  });
  var n=document.querySelectorAll('table.sortable tbody tr').length;
  document.getElementById('row-count').textContent=n+' rows';
  document.body.setAttribute('data-sort-ready','1');
})();
)";

} // namespace

std::string renderHtml(const Analysis &A, const QueryGraph &Q, const std::string &ModuleSvg) {
  std::ostringstream OS;
  OS << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>reach-audit report</title>\n"
     << "<style>" << Style << "</style></head>\n<body>\n<h1>reach-audit report</h1>\n";
  OS << "<p>root: <code>" << esc(A.Root) << "</code>, " << A.TranslationUnits << " translation units, "
     << A.Symbols.size() << " definitions</p>\n<p class=\"counts\">";
  for (Status S : {Status::Live, Status::TestOnly, Status::Dead})
    OS << "<span id=\"count-" << toString(S) << "\" style=\"background:" << statusColor(S) << "\">"
       << toString(S) << ": " << A.count(S) << "</span>";
  OS << "<span id=\"count-orphaned\" style=\"background:" << statusColor(Status::Orphaned)
     << "\">orphaned files: " << A.orphanCount() << "</span></p>\n";
  OS << "<h2>Modules</h2>\n<div class=\"graph\">";
  if (size_t At = ModuleSvg.find("<svg"); At != std::string::npos)
    OS << ModuleSvg.substr(At);
  else
    OS << "<p>(the module graph could not be drawn)</p>";
  OS << "</div>\n<h2>Dead and test-only code by module <small id=\"row-count\"></small></h2>\n";

  std::map<std::string, std::vector<const SymbolVerdict *>> ByModule;
  for (const SymbolVerdict &V : A.Symbols)
    if (V.S == Status::Dead || V.S == Status::TestOnly) {
      const std::string &F = A.G.Nodes[V.Id].Where.File;
      ByModule[F.rfind('/') == std::string::npos ? "." : F.substr(0, F.rfind('/'))].push_back(&V);
    }
  for (const auto &[Module, Rows] : ByModule) {
    OS << "<section class=\"module\" data-module=\"" << esc(Module) << "\"><h3>" << esc(Module)
       << "/ (" << Rows.size() << ")</h3>\n<table class=\"sortable\"><thead><tr>"
       << "<th data-col=\"name\">name</th><th data-col=\"kind\">kind</th>"
       << "<th data-col=\"status\">status</th><th data-col=\"file\">file</th>"
       << "<th data-col=\"line\" data-type=\"num\">line</th><th data-col=\"why\">why</th></tr></thead><tbody>\n";
    for (const SymbolVerdict *V : Rows) {
      const Node &N = A.G.Nodes[V->Id];
      OS << "<tr class=\"" << toString(V->S) << "\"><td>" << esc(N.Name) << "</td><td>" << toString(N.Kind)
         << "</td><td style=\"background:" << statusColor(V->S) << "\">" << toString(V->S) << "</td><td>"
         << esc(N.Where.File) << "</td><td data-value=\"" << N.Where.Line << "\">" << N.Where.Line
         << "</td><td>" << esc(whyText(A, Q, *V)) << "</td></tr>\n";
    }
    OS << "</tbody></table></section>\n";
  }
  OS << "<script>" << Script << "</script>\n</body></html>\n";
  return OS.str();
}

} // namespace reach
