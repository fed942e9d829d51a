// dependency-cruiser (https://github.com/sverweij/dependency-cruiser, v17): the layering of
// docs/how-it-works.md ("The tree"), checked by `npm run lint` (lint:deps). A file may import
// its own layer and the layers below it, never one above, never a peer beside it, and no import
// cycle anywhere. Type-only imports count (tsPreCompilationDeps): a type is a dependency too.

/** Bottom to top; each entry is one layer, its folders (or files) side by side as peers. */
const LAYERS = [
    { rules: "^rules/" }, // pure decisions: imports nothing of the project
    { config: "^config/" }, // the stack keys: schema, types, defaults, validation
    { model: "^model/" }, // desired state, pure
    { host: "^host/" }, // script text for the host
    { io: "^io/", report: "^report/" }, // ssh and the Pulumi CLI / drift, reports, outputs
    { components: "^components/" }, // the ComponentResources
    { program: "^program\\.ts$" }, // the flow
    { index: "^index\\.ts$", lib: "^lib/", cli: "^cli/" }, // the entry points
    { testkit: "^testkit/", scripts: "^scripts/" }, // what tests and the benchmark share; build tools (the script embedder)
    { test: "^test/", bench: "^bench/" }, // the tests and the benchmarks
];

const forbidden = [
    {
        name: "no-circular",
        comment:
            "An import cycle: the two modules belong to one layer order, one of them is misplaced.",
        severity: "error",
        from: {},
        to: { circular: true },
    },
    {
        name: "product-not-to-tests",
        comment: "Product code never imports the tests, the test kit or the benchmarks.",
        severity: "error",
        from: { pathNot: "^(test|testkit|bench)/" },
        to: { path: "^(test|testkit|bench)/" },
    },
];

forbidden.push({
    name: "in-a-layer",
    comment:
        "Every module belongs to a layer of LAYERS (or is a tool's own config): place a new folder there and in docs/how-it-works.md.",
    severity: "error",
    from: {
        pathNot: [
            ...LAYERS.flatMap((l) => Object.values(l)),
            "^(\\.dependency-cruiser|eslint\\.config)\\.js$",
        ],
    },
    to: {},
});

LAYERS.forEach((layer, i) => {
    const above = LAYERS.slice(i + 1).flatMap((l) => Object.values(l));
    for (const [name, path] of Object.entries(layer)) {
        if (above.length > 0) {
            forbidden.push({
                name: `${name}-not-up`,
                comment: `${name} is below ${LAYERS.slice(i + 1)
                    .flatMap((l) => Object.keys(l))
                    .join(", ")}: it may not import them (docs/how-it-works.md, "The tree").`,
                severity: "error",
                from: { path },
                to: { path: above.map((p) => `(${p})`).join("|") },
            });
        }
        const peers = Object.entries(layer).filter(([n]) => n !== name);
        if (peers.length > 0) {
            forbidden.push({
                name: `${name}-not-sideways`,
                comment: `${name} and ${peers.map(([n]) => n).join(", ")} are peers: neither imports the other.`,
                severity: "error",
                from: { path },
                to: { path: peers.map(([, p]) => `(${p})`).join("|") },
            });
        }
    }
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden,
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "^(node_modules|dist|bin|examples|testkit/double|\\.pulumi-home)/" },
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        enhancedResolveOptions: {
            exportsFields: ["exports"],
            conditionNames: ["import", "require", "node", "default", "types"],
        },
    },
};
