#!/usr/bin/env python3
"""Checks that Package.swift says the truth about the module graph.

1. Every target's declared dependencies equal the modules its files import, in both
   directions: nothing imported without being declared, nothing declared unused.
2. Every import of one of our own modules points down the layers of
   docs/architecture.md: a module imports only modules of a lower layer.

Usage: scripts/check-module-graph.py [--print]   (--print shows each module's imports)
Exits 1 and says what to fix when either check fails.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The toolchain's own modules: never declared in Package.swift.
SYSTEM = {"Foundation", "FoundationEssentials", "FoundationXML", "Glibc", "Dispatch", "Synchronization", "Testing", "XCTest",
          "_Concurrency", "Swift"}
# Products of other packages, by the module each one brings.
PRODUCT_MODULES = {"ArgumentParser": "ArgumentParser", "Logging": "Logging", "GRDB": "GRDB", "GRDBSQLite": "GRDBSQLite", "Yams": "Yams",
                   "Prometheus": "Prometheus", "Mustache": "Mustache"}
# Declared without an import, on purpose: the end-to-end tests run the built binary, so
# they depend on the executable (SwiftPM then builds it first) and import none of it.
BUILD_ORDER_ONLY = {("EndToEndTests", "videohookd")}
# The layers of docs/architecture.md, lowest first. A module may import only modules of
# a lower layer (libraries of other packages and the system's modules at any layer).
LAYERS = [
    ["CLinux", "COpenSSL", "CLibPQ"],
    ["Transport", "TLS", "Hashing", "HTTP", "Lifecycle", "VideoAPI", "Archive", "Outbox", "EventLog", "Telemetry",
     "Postgres"],
    ["URLPolicy", "Server", "Ledger", "Daemon", "Settings", "Poster"],
    ["HTTPClient", "Intake", "ArchiveSite"],
    ["Downloader", "APIClient", "Notifier", "ObjectStore"],
    ["Reconciler", "ObjectArchive"],
    ["Serve"],
    ["videohookd"],
]
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_implementationOnly\s+|(?:public|internal|package)\s+)?import\s+(\w+)", re.M)


def imports_of(folder):
    found = {}
    for base, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(".swift"):
                continue
            path = os.path.join(base, name)
            with open(path, encoding="utf-8") as handle:
                for module in IMPORT.findall(handle.read()):
                    # Swift modules are capitalised but the executable's; a lower-case
                    # name is a Python `import` inside a test's script text.
                    if module[0].islower() and module != "videohookd":
                        continue
                    found.setdefault(module, []).append(os.path.relpath(path, ROOT))
    return found


def declared_of(target):
    names = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target"):
            if kind in dependency:
                names.add(dependency[kind][0])
        if "product" in dependency:
            product = dependency["product"][0]
            names.add(PRODUCT_MODULES.get(product, product))
    return names


def main():
    dump = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True, capture_output=True, text=True)
    package = json.loads(dump.stdout)
    layer_of = {module: index for index, layer in enumerate(LAYERS) for module in layer}
    ours = {target["name"] for target in package["targets"]}
    problems = []
    for target in package["targets"]:
        if target["type"] == "system":
            continue
        name = target["name"]
        default = "Tests" if target["type"] == "test" else "Sources"
        folder = os.path.join(ROOT, target.get("path") or os.path.join(default, name))
        imported = imports_of(folder)
        used = set(imported) - SYSTEM - {name}
        declared = declared_of(target)
        if "--print" in sys.argv:
            print(f"{name}: {', '.join(sorted(used))}")
        for module in sorted(used - declared):
            problems.append(f"{name} imports {module} (in {imported[module][0]}) but Package.swift does not declare it")
        for module in sorted(declared - used - {m for t, m in BUILD_ORDER_ONLY if t == name}):
            problems.append(f"{name} declares {module} in Package.swift but no file of it imports it")
        if target["type"] == "test" or name == "TestSupport":
            continue
        if name not in layer_of:
            problems.append(f"{name} is in no layer of docs/architecture.md (scripts/check-module-graph.py LAYERS)")
            continue
        for module in sorted(used & ours):
            if layer_of.get(module, -1) >= layer_of[name]:
                problems.append(f"{name} (layer {layer_of[name]}) imports {module} (layer {layer_of.get(module)}): "
                                "a module imports only lower layers")
    for problem in problems:
        print("module graph: " + problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"module graph: {len(package['targets'])} targets, declared dependencies equal the imports, layers respected")


if __name__ == "__main__":
    main()
