"""A deterministic monorepo-shaped corpus, built from the repository's own
examples and fixtures.

Most files are Kubernetes YAML: service manifests of several documents
(1-30 KB) and rendered Helm releases (larger, with `# Source:` comments).
Beside them are Terraform stacks (many `.tf` files, variables, tfvars and
local modules per directory) and nginx gateways (an `nginx.conf` that
includes `conf.d/*.conf`, whose servers include a snippet).

Copies are renamed so that they do not all collide: every object name gets
a suffix of its copy, namespaces are spread over teams (a tenth of the
bundles leave theirs unset, as kustomize overlays do), Terraform
identifiers and local module directories get a suffix of their copy,
nginx upstreams and server names one of their gateway. References inside
a copy are renamed with what they name, so selectors still select.
"""
import math
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Fixtures of airworthy's own input checks: parse errors, duplicate keys,
# suppressions with dates. A monorepo that is linted has next to none.
SKIPPED_FIXTURES = {"AW001", "AW002", "AW003", "AW005", "AW006", "AW007"}
EXPECT = re.compile(r"[ \t]*(#|//) expect:.*$", re.M)
CLUSTER_SCOPED = {
    "APIService", "ClusterIssuer", "ClusterRole", "ClusterRoleBinding", "CSIDriver",
    "CustomResourceDefinition", "GatewayClass", "IngressClass", "MutatingWebhookConfiguration",
    "Namespace", "Node", "PersistentVolume", "PodSecurityPolicy", "PriorityClass",
    "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration",
}
# Names that mean something by themselves (built-in roles, the default
# ServiceAccount), never renamed.
KEPT_NAMES = {"default", "admin", "edit", "view", "cluster-admin"}
# Most services of a monorepo are stamped from a reviewed template, like
# examples/orders: this share of the documents copies it, the rest copy
# fixtures, which exist to fire (a few findings per document).
TEMPLATE_SHARE = 0.9
# Shares of the files: the rest are Kubernetes service manifests.
HELM_FILES, TERRAFORM_FILES, NGINX_FILES = 0.03, 0.12, 0.02
# Share of the bytes in rendered Helm releases.
HELM_BYTES = 0.25


def fixture_files(pattern: str):
    for path in sorted(ROOT.glob(pattern)):
        rule = path.relative_to(ROOT / "fixtures").parts[1]
        if rule not in SKIPPED_FIXTURES and path.is_file():
            yield path


# Kubernetes ---------------------------------------------------------------

def scalar(value: str) -> str:
    """A regex for `value` as a whole YAML scalar (block or flow, quoted or
    not), never as a key."""
    before = r"(?:(?<=: )|(?<=- )|(?<=\[)|(?<=\{)|(?<=, ))"
    return before + r"([\"']?)" + re.escape(value) + r"\1(?=[ \t]*(?:$|[,}\]]))"


def kubernetes_template(text: str) -> str:
    """A seed file as a template: object names end in `-@@S@@`, namespaces
    in `-@@T@@`, and metadata without a namespace has `@@NSB@@` (block) or
    `@@NSF@@` (flow) where one is inserted."""
    docs = [d for d in re.split(r"(?m)^---[^\n]*\n", EXPECT.sub("", text)) if "kind:" in d]
    names, namespaces = [], []
    for doc in docs:
        kind = re.search(r"(?m)^kind:[ \t]*(\S+)", doc)
        kind = kind.group(1) if kind else ""
        block = re.search(r"(?m)^metadata:[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)", doc)
        flow = re.search(r"(?m)^metadata:[ \t]*\{(.*)\}", doc)
        meta = block.group(1) if block else flow.group(1) if flow else ""
        name = re.search(r"(?:^|\n|\{|, )[ \t]*name:[ \t]*[\"']?([\w.:-]+)", meta)
        if name:
            (namespaces if kind == "Namespace" else names).append(name.group(1))
        for ns in re.findall(r"namespace:[ \t]*[\"']?([\w.-]+)", doc):
            namespaces.append(ns)
    out = []
    for doc in docs:
        kind = re.search(r"(?m)^kind:[ \t]*(\S+)", doc)
        namespaced = kind is None or kind.group(1) not in CLUSTER_SCOPED
        block = re.search(r"(?m)^metadata:[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)", doc)
        flow = re.search(r"(?m)^metadata:[ \t]*\{(.*)\}", doc)
        meta = block.group(1) if block else flow.group(1) if flow else ""
        if namespaced and "namespace:" not in meta:
            if block:
                doc = doc[:block.start(1)] + "@@NSB@@" + doc[block.start(1):]
            elif flow:
                doc = doc[:flow.start(1)] + "@@NSF@@" + doc[flow.start(1):]
        out.append(doc)
    text = "---\n".join(out)
    # A name that is also a namespace (an Argo CD Application for its
    # namespace) is renamed as a namespace.
    for name in sorted(set(names) - set(namespaces), key=len, reverse=True):
        if name not in KEPT_NAMES and not name.startswith(("system:", "kube-")):
            text = re.sub(scalar(name), lambda m: f"{m.group(1)}{name}-@@S@@{m.group(1)}",
                          text, flags=re.M)
    for ns in sorted(set(namespaces), key=len, reverse=True):
        if not ns.startswith("kube-") and ns != "default":
            text = re.sub(scalar(ns), lambda m: f"{m.group(1)}{ns}-@@T@@{m.group(1)}",
                          text, flags=re.M)
    return text


class Seeds:
    """The seed files as templates, drawn with the template's share."""

    def __init__(self):
        paths = sorted(ROOT.glob("examples/**/*.yaml")) + list(
            fixture_files("fixtures/kubernetes/**/*.yaml"))
        reviewed = sorted((ROOT / "examples" / "orders").glob("*.yaml"))
        # Its files together: the Service and policies go with the workload.
        self.template = kubernetes_template(
            "---\n".join(p.read_text(encoding="utf-8") for p in reviewed))
        self.others = []
        for path in paths:
            text = path.read_text(encoding="utf-8")
            # Suppressions name lines of the original.
            if path not in reviewed and "airworthy:ignore" not in text:
                template = kubernetes_template(text)
                if template.strip():
                    self.others.append(template)

    def choice(self, rng) -> str:
        if rng.random() < TEMPLATE_SHARE:
            return self.template
        return rng.choice(self.others)


def instantiate(template: str, copy: str, team: int, namespace: str | None) -> str:
    text = template.replace("@@S@@", copy).replace("@@T@@", f"t{team}")
    block = f"  namespace: {namespace}\n" if namespace else ""
    flow = f"namespace: {namespace}, " if namespace else ""
    return text.replace("@@NSB@@", block).replace("@@NSF@@", flow)


def manifest(rng, seeds, size: int, copy: str, team: int, namespace, source=None) -> str:
    """Seed files, renamed, until the file is `size` bytes."""
    parts, length = [], 0
    while length < size:
        seed = seeds.choice(rng)
        text = instantiate(seed, f"{copy}{len(parts)}", team, namespace)
        if source:
            text = re.sub(r"(?m)^(?=apiVersion:)",
                          lambda _: f"# Source: {source}/templates/part{len(parts)}.yaml\n",
                          text, count=1)
        parts.append(text)
        length += len(text) + 4
    return "---\n".join(parts)


# Terraform ----------------------------------------------------------------

def terraform_units():
    """Each Terraform fixture (a file, or a directory with modules) as a
    template whose identifiers and module directories end in `_@@U@@`:
    {relative path: text}."""
    cases = {}
    for path in fixture_files("fixtures/*/**/*.tf*"):
        rule_dir = path.relative_to(ROOT / "fixtures").parts[:3]
        case = ROOT / "fixtures" / pathlib.Path(*rule_dir)
        cases.setdefault(case, []).append(path)
    units = []
    for case, paths in sorted(cases.items()):
        if case.is_file():
            files = {"main.tf": case.read_text(encoding="utf-8")}
        else:
            files = {str(p.relative_to(case)): p.read_text(encoding="utf-8") for p in sorted(paths)}
        units.append(terraform_template({k: EXPECT.sub("", v) for k, v in files.items()}))
    return units


def terraform_template(files: dict) -> dict:
    top = {k: v for k, v in files.items() if "/" not in k}
    code = "\n".join(v for k, v in top.items() if not k.endswith(".tfvars"))
    resources = re.findall(r'(?m)^resource\s+"([\w-]+)"\s+"([\w-]+)"', code)
    data = re.findall(r'(?m)^data\s+"([\w-]+)"\s+"([\w-]+)"', code)
    named = {kind: re.findall(rf'(?m)^{kind}\s+"([\w-]+)"', code)
             for kind in ("variable", "output", "module")}
    local_names = []
    for body in re.findall(r"(?ms)^locals\s*\{\n(.*?)^\}", code):
        local_names += re.findall(r"(?m)^  ([\w-]+)\s*=", body)
    roots = sorted({("/".join(k.split("/")[:2]) if k.startswith("modules/") else k.split("/")[0])
                    for k in files if "/" in k})
    subs = []
    for kind, name in resources:
        subs.append((rf'(?m)^(resource\s+"{kind}"\s+"){name}"', rf'\g<1>{name}_@@U@@"'))
        subs.append((rf"(?<![\w.-]){kind}\.{name}(?![\w-])", f"{kind}.{name}_@@U@@"))
    for kind, name in data:
        subs.append((rf'(?m)^(data\s+"{kind}"\s+"){name}"', rf'\g<1>{name}_@@U@@"'))
        subs.append((rf"\bdata\.{kind}\.{name}(?![\w-])", f"data.{kind}.{name}_@@U@@"))
    for kind, prefix in (("variable", "var"), ("output", None), ("module", "module")):
        for name in named[kind]:
            subs.append((rf'(?m)^({kind}\s+"){name}"', rf'\g<1>{name}_@@U@@"'))
            if prefix:
                subs.append((rf"\b{prefix}\.{name}(?![\w-])", f"{prefix}.{name}_@@U@@"))
    for name in local_names:
        subs.append((rf"\blocal\.{name}(?![\w-])", f"local.{name}_@@U@@"))
        subs.append((rf"(?m)^(  ){name}(\s*=)", rf"\g<1>{name}_@@U@@\g<2>"))
    for root in roots:
        subs.append((rf'"\./{re.escape(root)}(?=["/])', f'"./{root}_@@U@@'))
    out = {}
    for path, text in files.items():
        if "/" in path:
            root = next(r for r in roots if path.startswith(r + "/"))
            out[f"{root}_@@U@@{path[len(root):]}"] = text
            continue
        if path.endswith(".tfvars"):
            for name in named["variable"]:
                text = re.sub(rf"(?m)^{name}(\s*=)", rf"{name}_@@U@@\g<1>", text)
        else:
            for pattern, replacement in subs:
                text = re.sub(pattern, replacement, text)
        out[path] = text
    return out


# A stack's files are named as people name them.
TERRAFORM_FILE_NAMES = ["main.tf", "network.tf", "compute.tf", "iam.tf", "lb.tf", "dns.tf",
                        "storage.tf", "database.tf", "monitoring.tf", "security.tf", "api.tf",
                        "edge.tf"]


# Blocks that people keep in files of their own.
TERRAFORM_BLOCK_FILES = {"variable": "variables.tf", "output": "outputs.tf",
                         "terraform": "versions.tf", "provider": "providers.tf"}


def hcl_blocks(text: str):
    """The top-level blocks of a Terraform file (with the comments above
    them), by their braces; strings in these files hold no unbalanced ones."""
    block, depth = [], 0
    for line in text.splitlines(keepends=True):
        block.append(line)
        depth += sum({"{": 1, "}": -1}.get(c, 0) for c in re.sub(r'"(\\.|[^"\\])*"', "", line))
        if depth <= 0 and line.strip() and not line.lstrip().startswith(("#", "//")):
            yield "".join(block)
            block, depth = [], 0
    if "".join(block).strip():
        yield "".join(block)


def terraform_stack(rng, units, copy: str) -> dict:
    """Many fixture units in one module directory: variables, outputs,
    versions and providers in files of their own, the other blocks packed
    into files of a few kilobytes, the remaining files merged by name."""
    files, blocks, size = {}, [], rng.randint(1_500, 5_000)
    for index in range(rng.randint(30, 90)):
        unit = {k: v.replace("@@U@@", f"{copy}{index}") for k, v in rng.choice(units).items()}
        for path, text in unit.items():
            if path.endswith(".tf") and "/" not in path and "override" not in path:
                for block in hcl_blocks(text):
                    keyword = block.lstrip().split(None, 1)[0] if block.strip() else ""
                    own = TERRAFORM_BLOCK_FILES.get(keyword)
                    if own:
                        files[own] = files.get(own, "") + block.strip("\n") + "\n\n"
                    else:
                        blocks.append(block.strip("\n") + "\n")
            else:
                files[path] = files.get(path, "") + text + "\n"
    chunk, names = [], iter(TERRAFORM_FILE_NAMES)
    for block in blocks:
        chunk.append(block)
        if sum(map(len, chunk)) >= size:
            files[next(names, f"part{len(files)}.tf")] = "\n".join(chunk)
            chunk = []
    if chunk:
        files[next(names, f"part{len(files)}.tf")] = "\n".join(chunk)
    return files


# nginx --------------------------------------------------------------------

def nginx_parts():
    """The main configurations (nginx.conf bodies) and the blocks of their
    http levels (servers and upstreams, for conf.d files)."""
    mains, blocks = [], []
    paths = [ROOT / "examples/gateway/nginx/nginx.conf"] + list(
        fixture_files("fixtures/nginx/*/*.conf"))
    for path in paths:
        text = EXPECT.sub("", path.read_text(encoding="utf-8"))
        if "include" in text or not re.search(r"(?m)^http\s*\{", text):
            continue
        mains.append(text)
        for block in top_blocks(http_body(text)):
            if re.match(r"\s*(server|upstream)\b", block):
                blocks.append(block)
    example = ROOT / "examples/gateway/nginx/conf.d/api.conf"
    blocks.extend(top_blocks(EXPECT.sub("", example.read_text(encoding="utf-8"))))
    return mains, blocks


def http_body(text: str) -> str:
    start = re.search(r"(?m)^http\s*\{", text).end()
    depth, i = 1, start
    while depth and i < len(text):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def top_blocks(body: str):
    """The `name … { … }` blocks at the top of a body (no `{` or `}` inside
    quotes or comments in these files)."""
    depth, start = 0, None
    for i, ch in enumerate(body):
        if ch == "{":
            if depth == 0:
                start = body.rfind(";", 0, i) + 1
                start = max(start, body.rfind("}", 0, i) + 1)
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and start is not None:
                yield re.sub(r"(?m)^[ \t]*#.*\n", "", body[start:i + 1]).strip("\n") + "\n"


def nginx_gateway(rng, mains, blocks, gateway: str) -> dict:
    main = rng.choice(mains)
    main = re.sub(r"(?m)^(http\s*\{\n)", r"\g<1>    include /etc/nginx/conf.d/*.conf;\n",
                  main, count=1)
    files = {"nginx.conf": main, "snippets/proxy.conf":
             (ROOT / "examples/gateway/nginx/snippets/proxy.conf").read_text(encoding="utf-8")}
    for index in range(rng.randint(3, 8)):
        chosen = [rng.choice(blocks) for _ in range(rng.randint(3, 10))]
        text = "\n".join(chosen)
        for upstream in sorted(set(re.findall(r"upstream\s+([\w-]+)", text))):
            text = re.sub(rf"(upstream\s+|_pass\s+\w+://){upstream}\b",
                          rf"\g<1>{upstream}_{index}", text)
        text = re.sub(r"(server_name\s+)([^;]+)", lambda m: m.group(1) + " ".join(
            re.sub(r"^([\w-]+)\.", rf"\g<1>-{gateway}.", n) for n in m.group(2).split()), text)
        files[f"conf.d/site{index}.conf"] = text
    return files


# The corpus ---------------------------------------------------------------

def write(path: pathlib.Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def generate(directory: pathlib.Path, files: int, megabytes: float, seed: int) -> dict:
    """Writes the corpus below `directory`; returns what it holds."""
    rng = random.Random(seed)
    seeds, units = Seeds(), terraform_units()
    mains, blocks = nginx_parts()
    counts = {"kubernetes": 0, "helm": 0, "terraform": 0, "nginx": 0}
    sizes = dict.fromkeys(counts, 0)
    paths = []

    def add(kind: str, path: pathlib.Path, text: str):
        counts[kind] += 1
        sizes[kind] += write(path, text)
        paths.append((kind, path))

    teams = max(files // 25, 4)
    budget = megabytes * 2**20
    while counts["nginx"] < files * NGINX_FILES:
        gateway = f"gw{counts['nginx']}"
        for name, text in nginx_gateway(rng, mains, blocks, gateway).items():
            add("nginx", directory / "gateways" / gateway / "nginx" / name, text)
    stacks = 0
    while counts["terraform"] < files * TERRAFORM_FILES:
        team, env = rng.randrange(teams), rng.choice(["dev", "staging", "prod"])
        stack = directory / "infra" / f"team{team}" / f"{env}-{stacks}"
        for name, text in sorted(terraform_stack(rng, units, f"s{stacks}u").items()):
            add("terraform", stack / name, text)
        stacks += 1
    helm_files = max(int(files * HELM_FILES), 1)
    for release in range(helm_files):
        team = rng.randrange(teams)
        size = int(rng.uniform(0.5, 1.5) * budget * HELM_BYTES / helm_files)
        text = manifest(rng, seeds, size, f"r{release}p", team, f"release{release}-t{team}",
                        source=f"chart{release % 40}")
        add("helm", directory / "deploy" / "rendered" / f"team{team}" / f"release{release}.yaml",
            text)
    # Service manifests fill the rest of the files and bytes: sizes drawn
    # log-normally (median near 7 KB), between 1 and 30 KB.
    remaining = files - sum(counts.values())
    left = budget - sum(sizes.values())
    # A file ends with the seed that reaches its size: half a seed more.
    mean = max(left / max(remaining, 1) - 1_800, 1_000)
    mu = math.log(mean) - 0.18
    for index in range(remaining):
        team = rng.randrange(teams)
        size = int(min(max(rng.lognormvariate(mu, 0.6), 1_000), 30_000))
        namespace = None if rng.random() < 0.1 else f"svc{index % 7}-t{team}"
        text = manifest(rng, seeds, size, f"m{index}p", team, namespace)
        service = directory / "apps" / f"team{team}" / f"service{index // 3}"
        add("kubernetes", service / f"{['deploy', 'network', 'config'][index % 3]}.yaml", text)
    return {"counts": counts, "sizes": sizes, "paths": paths}
