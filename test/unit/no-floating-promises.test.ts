// "No promise without a handler" (issue 9), as a rule over src/: a statement whose value is a
// promise must await it, return it, or end in .catch(...) / .then(onOk, onError). `void p` does
// not count: it silences the promise, not its rejection (the crash this rule exists for).
// The project has no linter; the TypeScript checker finds the promises.
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

function floatingPromises(): string[] {
  const root = process.cwd();
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const files = config.fileNames.filter((f) => f.startsWith(path.join(root, 'src') + path.sep));
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const isPromise = (node: ts.Expression): boolean => {
    const type = checker.getTypeAtLocation(node);
    return [type, ...(type.isUnion() ? type.types : [])].some((t) => !!t.getProperty('then') && !!checker.getTypeOfSymbolAtLocation(t.getProperty('then')!, node).getCallSignatures().length);
  };
  const handled = (node: ts.Expression): boolean => {
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
    const name = node.expression.name.text;
    return name === 'catch' || (name === 'then' && node.arguments.length >= 2);
  };
  const found: string[] = [];
  for (const file of program.getSourceFiles()) {
    if (!files.includes(file.fileName)) continue;
    const visit = (node: ts.Node) => {
      if (ts.isExpressionStatement(node)) {
        let expr = node.expression;
        if (ts.isVoidExpression(expr)) expr = expr.expression;
        // `x = promise` keeps it for a later await: not floating.
        const assigned = ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.EqualsToken;
        if (!assigned && !ts.isAwaitExpression(expr) && isPromise(expr) && !handled(expr)) {
          found.push(`${path.relative(root, file.fileName)}: ${node.getText().split('\n')[0]}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

/**
 * Known before this rule, in code outside the learner's session (each cannot reject as written,
 * or runs in its own process): to be given handlers by their owners, then removed from here.
 * A new entry needs a reason as good.
 */
const KNOWN = new Set([
  'src/i18n/index.ts: void instance.init({', // resources are inline: init settles synchronously
  'src/remote/connect.ts: void via?.closed.then(() => {', // `closed` only ever resolves
  'src/remote/pool.ts: void connection.closed.then(() => {', // `closed` only ever resolves
  'src/lab/standins/controller.ts: void loop();', // the stand-in processes on the lab server
  'src/lab/standins/apiserver/index.ts: void closeNow(server, sockets).then(resolve);',
  'src/lab/standins/main.ts: void handle.close().then(() => process.exit(0));',
  'src/lab/standins/entry.ts: void standinMain(process.argv.slice(2), process.execPath, process.env);',
]);

describe('promises in src/', () => {
  it('every promise started without await has a rejection handler', () => {
    expect(floatingPromises().filter((f) => !KNOWN.has(f))).toEqual([]);
  }, 60_000);
});
