// The check kinds by name: adding a kind means one file here and one schema in spec.ts.
import type { CheckKind } from '../spec.js';
import { commandKind } from './command.js';
import { fileKind } from './file.js';
import { httpKind } from './http.js';
import { kubeKind } from './kube.js';
import { portKind } from './port.js';
import { serviceKind } from './service.js';
import type { CheckKindModule } from './types.js';

export const KINDS: Record<CheckKind, CheckKindModule<never>> = {
  file: fileKind,
  service: serviceKind,
  port: portKind,
  http: httpKind,
  command: commandKind,
  kube: kubeKind,
};
