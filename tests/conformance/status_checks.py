"""Status expectations of the corpus (README "STATUS") checked against GET /status items.

Every check is a pure function of the status items that returns None when the entry holds or a
one-line description of the first mismatch. Waiting ("eventually") is done by the caller.
"""

CONTROLLER_NAME = "torii.dev/gateway-controller"
GROUP = "gateway.networking.k8s.io"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")


def parse_object_ref(text):
    """'Kind ns/name' -> (kind, ns, name); 'GatewayClass name' -> (kind, '', name)."""
    kind, rest = text.split(None, 1)
    if "/" in rest:
        ns, name = rest.split("/", 1)
    else:
        ns, name = "", rest
    return kind, ns, name.strip()


def index_items(items):
    out = {}
    for it in items or []:
        md = it.get("metadata") or {}
        out[(it.get("kind", ""), md.get("namespace", "") or "", md.get("name", ""))] = it
    return out


def _cond_str(c):
    return "%s=%s/%s" % (c.get("type"), c.get("status"), c.get("reason"))


def _conds_str(conds):
    return "[" + ", ".join(_cond_str(c) for c in conds or []) + "]"


def conditions_missing(actual, expected):
    """First expected condition not present in `actual` ("contains" semantics), or None."""
    for e in expected or []:
        found = False
        for a in actual or []:
            if a.get("type") != e.get("type"):
                continue
            if "status" in e and a.get("status") != e["status"]:
                continue
            if "reason" in e and a.get("reason") != e["reason"]:
                continue
            found = True
            break
        if not found:
            want = e.get("type") + ("=" + e["status"] if "status" in e else "") + \
                ("/" + e["reason"] if "reason" in e else "")
            return "condition %s not found in %s" % (want, _conds_str(actual))
    return None


def _latest_generation(obj, conds, what):
    gen = (obj.get("metadata") or {}).get("generation")
    if gen is None:
        return "metadata.generation missing"
    if not conds:
        return "%s has no conditions" % what
    for c in conds:
        if c.get("observedGeneration") != gen:
            return "%s condition %s has observedGeneration %s, metadata.generation is %s" % (
                what, c.get("type"), c.get("observedGeneration"), gen)
    return None


def _kinds_equal(a, b):
    return (a.get("group", GROUP) or GROUP) == (b.get("group", GROUP) or GROUP) and \
        a.get("kind") == b.get("kind")


def _check_listeners(obj, entry, label):
    st = obj.get("status") or {}
    listeners = st.get("listeners") or []
    by_name = {l.get("name"): l for l in listeners}
    if "listener" in entry:
        l = by_name.get(entry["listener"])
        if l is None:
            return "%s: listener %s not in status (have %s)" % (label, entry["listener"],
                                                              sorted(by_name))
        m = conditions_missing(l.get("conditions"), entry.get("conditions"))
        return "%s listener %s: %s" % (label, entry["listener"], m) if m else None
    if entry.get("listeners") == "*":
        if not listeners:
            return "%s: status.listeners is empty" % label
        for l in listeners:
            m = conditions_missing(l.get("conditions"), entry.get("conditions"))
            if m:
                return "%s listener %s: %s" % (label, l.get("name"), m)
        return None
    if "listenersExact" in entry:
        want = entry["listenersExact"]
        want_names = sorted(w["name"] for w in want)
        if sorted(by_name) != want_names or len(listeners) != len(want):
            return "%s: listeners are %s, expected exactly %s" % (
                label, [l.get("name") for l in listeners], want_names)
        for w in want:
            l = by_name[w["name"]]
            if "attachedRoutes" in w and l.get("attachedRoutes") != w["attachedRoutes"]:
                return "%s listener %s: attachedRoutes %s, expected %s" % (
                    label, w["name"], l.get("attachedRoutes"), w["attachedRoutes"])
            m = conditions_missing(l.get("conditions"), w.get("conditions"))
            if m:
                return "%s listener %s: %s" % (label, w["name"], m)
            if "supportedKinds" in w:
                actual = l.get("supportedKinds") or []
                if w["supportedKinds"] == []:
                    if actual:
                        return "%s listener %s: supportedKinds %s, expected empty" % (
                            label, w["name"], actual)
                for k in w["supportedKinds"]:
                    if not any(_kinds_equal(k, a) for a in actual):
                        return "%s listener %s: supportedKinds %s lacks %s" % (
                            label, w["name"], actual, k.get("kind"))
        return None
    return None


def _parent_matches_strict(route, p_ref, exp_ns, exp_name, exp_kind, controller):
    group = p_ref.get("group", GROUP)
    if group in (None, ""):
        group = GROUP
    if group != GROUP:
        return False
    if (p_ref.get("kind") or "Gateway") != exp_kind:
        return False
    if p_ref.get("name") != exp_name:
        return False
    route_ns = (route.get("metadata") or {}).get("namespace", "")
    if route_ns != exp_ns or p_ref.get("namespace"):
        if (p_ref.get("namespace") or route_ns) != exp_ns:
            return False
    return True


def _check_route_parent(route, entry, label, controller):
    parents = (route.get("status") or {}).get("parents") or []
    exp_ns, exp_name = entry["parent"].split("/", 1)
    exp_kind = entry.get("parentKind", "Gateway")
    # Entries from the Accepted helpers (GatewayAnd*RoutesMustBeAccepted / RouteMustHaveParents)
    # compare group, kind, name, namespace and controllerName; single-condition entries
    # (Route*MustHaveCondition) compare the parentRef name and namespace only.
    strict = any(c.get("type") == "Accepted" for c in entry.get("conditions") or [])
    candidates = []
    for p in parents:
        ref = p.get("parentRef") or {}
        if strict:
            if not _parent_matches_strict(route, ref, exp_ns, exp_name, exp_kind, controller):
                continue
            if p.get("controllerName") != controller:
                continue
        else:
            if ref.get("name") != exp_name:
                continue
            if ref.get("namespace") not in (None, "", exp_ns):
                continue
        candidates.append(p)
    if not candidates:
        return "%s: no status.parents entry for %s %s (parents: %s)" % (
            label, exp_kind, entry["parent"],
            [((p.get("parentRef") or {}).get("name"), p.get("controllerName")) for p in parents])
    first = None
    for p in candidates:
        m = conditions_missing(p.get("conditions"), entry.get("conditions"))
        if m is None:
            return None
        first = first or m
    return "%s parent %s: %s" % (label, entry["parent"], first)


def _check_parents_include(route, entry, label, controller):
    parents = (route.get("status") or {}).get("parents") or []
    for want in entry["parentsInclude"]:
        ok = False
        first = None
        for p in parents:
            ref = p.get("parentRef") or {}
            if (ref.get("group") or GROUP) != want.get("group", GROUP):
                continue
            if (ref.get("kind") or "Gateway") != want.get("kind", "Gateway"):
                continue
            if ref.get("name") != want["name"]:
                continue
            if "namespace" in want and ref.get("namespace") != want["namespace"]:
                continue
            if p.get("controllerName") != controller:
                continue
            m = conditions_missing(p.get("conditions"), want.get("conditions"))
            if m is None:
                ok = True
                break
            first = first or m
        if not ok:
            return "%s: parent %s %s/%s %s" % (label, want.get("kind"), want.get("namespace"),
                                               want["name"], first or "not in status.parents")
    return None


def _no_accepted_parents(route, label):
    parents = (route.get("status") or {}).get("parents") or []
    if not parents:
        return None
    if len(parents) == 1:
        for c in parents[0].get("conditions") or []:
            if c.get("type") == "Accepted" and c.get("status") == "False":
                return None
    return "%s: expected no accepted parents, status.parents is %s" % (
        label, [(((p.get("parentRef") or {}).get("name")), _conds_str(p.get("conditions")))
                for p in parents])


def check_entry(entry, items_by_key, controller=CONTROLLER_NAME):
    """None when the entry holds, else the first mismatch."""
    kind, ns, name = parse_object_ref(entry["object"])
    label = entry["object"]
    obj = items_by_key.get((kind, ns, name))
    if obj is None:
        if entry.get("noAcceptedParents"):
            return "%s: not in /status" % label
        return "%s: not in /status" % label
    st = obj.get("status") or {}

    if kind in ("Gateway", "ListenerSet"):
        if "addresses" in entry:
            addrs = st.get("addresses") or []
            if not addrs or not addrs[0].get("value"):
                return "%s: status.addresses is empty" % label
            if "type set" in entry.get("note", "") and not all(a.get("type") for a in addrs):
                return "%s: status.addresses entry without type: %s" % (label, addrs)
        if "attachedListeners" in entry:
            if st.get("attachedListeners") != entry["attachedListeners"]:
                return "%s: status.attachedListeners is %s, expected %s" % (
                    label, st.get("attachedListeners"), entry["attachedListeners"])
        if entry.get("zeroAttachedRoutes"):
            ls = st.get("listeners") or []
            if not (not ls or (len(ls) == 1 and ls[0].get("attachedRoutes") == 0)):
                return "%s: expected no attached routes, listeners %s" % (
                    label, [(l.get("name"), l.get("attachedRoutes")) for l in ls])
        if entry.get("latestObservedGeneration"):
            m = _latest_generation(obj, st.get("conditions"), label)
            if m:
                return m
        if any(k in entry for k in ("listener", "listeners", "listenersExact")):
            return _check_listeners(obj, entry, label)
        if "conditions" in entry:
            m = conditions_missing(st.get("conditions"), entry["conditions"])
            return "%s: %s" % (label, m) if m else None
        return None

    if kind == "GatewayClass":
        if entry.get("latestObservedGeneration"):
            m = _latest_generation(obj, st.get("conditions"), label)
            if m:
                return m
        if "conditions" in entry:
            m = conditions_missing(st.get("conditions"), entry["conditions"])
            return "%s: %s" % (label, m) if m else None
        return None

    if kind in ROUTE_KINDS:
        if entry.get("noAcceptedParents"):
            return _no_accepted_parents(obj, label)
        if "parentsInclude" in entry:
            return _check_parents_include(obj, entry, label, controller)
        if entry.get("latestObservedGeneration"):
            parents = st.get("parents") or []
            if not parents:
                return "%s: status.parents is empty" % label
            for p in parents:
                m = _latest_generation(obj, p.get("conditions"), label + " parent")
                if m:
                    return m
            return None
        if "parent" in entry:
            return _check_route_parent(obj, entry, label, controller)
        return None

    if kind == "BackendTLSPolicy":
        ancestors = st.get("ancestors") or []
        if entry.get("latestObservedGeneration"):
            if not ancestors:
                return "%s: status.ancestors is empty" % label
            for a in ancestors:
                m = _latest_generation(obj, a.get("conditions"), label + " ancestor")
                if m:
                    return m
            return None
        if "ancestor" in entry:
            a_ns, a_name = entry["ancestor"].split("/", 1)
            first = None
            for a in ancestors:
                ref = a.get("ancestorRef") or {}
                if ref.get("name") != a_name or ref.get("namespace") not in (None, "", a_ns):
                    continue
                m = conditions_missing(a.get("conditions"), entry.get("conditions"))
                if m is None:
                    return None
                first = first or m
            return "%s ancestor %s: %s" % (label, entry["ancestor"], first or
                                           "not in status.ancestors")
        return None

    if "conditions" in entry:
        m = conditions_missing(st.get("conditions"), entry["conditions"])
        return "%s: %s" % (label, m) if m else None
    return None


def check_entries(entries, items, controller=CONTROLLER_NAME):
    """(all_ok, first mismatch) over a list of entries; noAcceptedParents needs two
    observations in a row, which the caller gets by requiring two consecutive passes."""
    idx = index_items(items)
    for e in entries:
        m = check_entry(e, idx, controller)
        if m:
            return False, m
    return True, None


def generation_of(items, kind, ns, name):
    obj = index_items(items).get((kind, ns, name))
    if obj is None:
        return None
    return (obj.get("metadata") or {}).get("generation")
