// The single executable's entry point. In a Node single executable, argv is [binary, binary, ...flags].
import { standinMain } from './main.js';

void standinMain(process.argv.slice(2), process.execPath, process.env);
