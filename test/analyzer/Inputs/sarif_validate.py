#!/usr/bin/env python3
"""Structural validation of the SARIF 2.1.0 that reach-audit emits.

The official JSON schema (sarif-schema-2.1.0.json) cannot be downloaded on
the build machines, so this checks, by hand, the parts of the schema that
reach-audit uses: required properties, their types and enums, and the
cross-references between them (ruleId/ruleIndex, uriBaseId). Anything we
emit beyond these is rejected too, so a new property has to be added here
with its schema rules. Prints "sarif: ok (N results)" or the errors, exit 1.
"""
import json, sys

errors = []

def err(path, msg):
    errors.append("%s: %s" % (path, msg))

def obj(v, path, required=(), optional=()):
    if not isinstance(v, dict):
        err(path, "must be an object")
        return False
    for k in required:
        if k not in v:
            err(path, "missing required property '%s'" % k)
    for k in v:
        if k not in required and k not in optional:
            err(path, "property '%s' is not one reach-audit should emit" % k)
    return True

def string(v, path, enum=None):
    if not isinstance(v, str):
        err(path, "must be a string")
    elif enum is not None and v not in enum:
        err(path, "'%s' is not one of %s" % (v, sorted(enum)))

def integer(v, path, minimum):
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        err(path, "must be an integer >= %d" % minimum)

def message(v, path):
    if obj(v, path, ["text"]):
        string(v["text"], path + ".text")

LEVELS = {"none", "note", "warning", "error"}
BASELINE = {"new", "unchanged", "updated", "absent"}

def main():
    log = json.load(open(sys.argv[1]))
    if not obj(log, "$", ["version", "runs"], ["$schema"]):
        return
    string(log["version"], "$.version", {"2.1.0"})
    if "$schema" in log:
        string(log["$schema"], "$.$schema")
    if not isinstance(log["runs"], list) or not log["runs"]:
        err("$.runs", "must be a non-empty array")
        return
    total = 0
    for ri, run in enumerate(log["runs"]):
        p = "$.runs[%d]" % ri
        if not obj(run, p, ["tool"], ["results", "originalUriBaseIds", "invocations"]):
            continue
        tool = run["tool"]
        rules = []
        if obj(tool, p + ".tool", ["driver"]):
            d = tool["driver"]
            if obj(d, p + ".tool.driver", ["name"], ["version", "semanticVersion", "rules", "informationUri"]):
                string(d["name"], p + ".tool.driver.name")
                rules = d.get("rules", [])
                ids = set()
                for i, r in enumerate(rules):
                    rp = p + ".tool.driver.rules[%d]" % i
                    if not obj(r, rp, ["id"], ["name", "shortDescription", "fullDescription", "help", "defaultConfiguration"]):
                        continue
                    string(r["id"], rp + ".id")
                    if r["id"] in ids:
                        err(rp + ".id", "duplicate rule id")
                    ids.add(r["id"])
                    for k in ("shortDescription", "fullDescription", "help"):
                        if k in r:
                            message(r[k], rp + "." + k)
                    if "defaultConfiguration" in r and obj(r["defaultConfiguration"], rp + ".defaultConfiguration", [], ["level"]):
                        string(r["defaultConfiguration"].get("level", "warning"), rp + ".defaultConfiguration.level", LEVELS)
        if "informationUri" in tool.get("driver", {}):
            u = tool["driver"]["informationUri"]
            if not isinstance(u, str) or "://" not in u:
                err(p + ".tool.driver.informationUri", "must be an absolute URI")
        for ii, inv in enumerate(run.get("invocations", [])):
            ip = p + ".invocations[%d]" % ii
            if not obj(inv, ip, ["executionSuccessful"], ["toolExecutionNotifications"]):
                continue
            if not isinstance(inv["executionSuccessful"], bool):
                err(ip + ".executionSuccessful", "must be a boolean")
            for ni, n in enumerate(inv.get("toolExecutionNotifications", [])):
                np_ = ip + ".toolExecutionNotifications[%d]" % ni
                if obj(n, np_, ["message"], ["level", "locations"]):
                    message(n["message"], np_ + ".message")
                    if "level" in n:
                        string(n["level"], np_ + ".level", LEVELS)
        bases = run.get("originalUriBaseIds", {})
        if not isinstance(bases, dict):
            err(p + ".originalUriBaseIds", "must be an object")
            bases = {}
        for name, loc in bases.items():
            bp = p + ".originalUriBaseIds." + name
            if obj(loc, bp, ["uri"]):
                string(loc["uri"], bp + ".uri")
                if isinstance(loc["uri"], str) and not loc["uri"].endswith("/"):
                    err(bp + ".uri", "a base URI must end with '/'")
        results = run.get("results", [])
        if not isinstance(results, list):
            err(p + ".results", "must be an array")
            continue
        for i, res in enumerate(results):
            total += 1
            rp = p + ".results[%d]" % i
            if not obj(res, rp, ["message"], ["ruleId", "ruleIndex", "level", "locations", "partialFingerprints", "baselineState"]):
                continue
            if "message" in res:
                message(res["message"], rp + ".message")
            if "level" in res:
                string(res["level"], rp + ".level", LEVELS)
            if "baselineState" in res:
                string(res["baselineState"], rp + ".baselineState", BASELINE)
            if "ruleIndex" in res:
                integer(res["ruleIndex"], rp + ".ruleIndex", 0)
                if isinstance(res["ruleIndex"], int) and res["ruleIndex"] < len(rules):
                    if rules[res["ruleIndex"]].get("id") != res.get("ruleId"):
                        err(rp + ".ruleIndex", "rules[%d].id is not ruleId '%s'" % (res["ruleIndex"], res.get("ruleId")))
                else:
                    err(rp + ".ruleIndex", "no such rule")
            if "partialFingerprints" in res and obj(res["partialFingerprints"], rp + ".partialFingerprints", [], list(res["partialFingerprints"]) if isinstance(res["partialFingerprints"], dict) else []):
                for k, v in res["partialFingerprints"].items():
                    string(v, rp + ".partialFingerprints." + k)
            for li, loc in enumerate(res.get("locations", [])):
                lp = rp + ".locations[%d]" % li
                if not obj(loc, lp, ["physicalLocation"]):
                    continue
                pl = loc["physicalLocation"]
                if not obj(pl, lp + ".physicalLocation", ["artifactLocation"], ["region"]):
                    continue
                al = pl["artifactLocation"]
                if obj(al, lp + ".physicalLocation.artifactLocation", ["uri"], ["uriBaseId"]):
                    string(al["uri"], lp + ".physicalLocation.artifactLocation.uri")
                    if isinstance(al["uri"], str) and (al["uri"].startswith("/") or ":" in al["uri"].split("/")[0]):
                        err(lp + ".physicalLocation.artifactLocation.uri", "must be relative to its uriBaseId")
                    if "uriBaseId" in al and al["uriBaseId"] not in bases:
                        err(lp + ".physicalLocation.artifactLocation.uriBaseId", "'%s' is not in originalUriBaseIds" % al["uriBaseId"])
                if "region" in pl and obj(pl["region"], lp + ".physicalLocation.region", [], ["startLine", "startColumn", "endLine", "endColumn"]):
                    for k, v in pl["region"].items():
                        integer(v, lp + ".physicalLocation.region." + k, 1)
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    print("sarif: ok (%d results)" % total)

main()
