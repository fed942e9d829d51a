// ESLint flat config: typescript-eslint (type-aware) + @pulumi/eslint-plugin.
const tseslint = require("typescript-eslint");
const pulumi = require("@pulumi/eslint-plugin");

module.exports = tseslint.config(
    {
        ignores: [
            "node_modules/**",
            "bin/**",
            ".pulumi-home/**",
            "eslint.config.js",
            "testkit/double/**",
            "dist/**",
            "**/node_modules/**",
        ],
    },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: {
                project: ["./tsconfig.json", "./examples/library/tsconfig.json"],
                tsconfigRootDir: __dirname,
            },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-non-null-assertion": "off",
        },
    },
);
