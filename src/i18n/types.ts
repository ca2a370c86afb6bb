// Learner-facing text is produced through this function type, so producers stay pure and
// tests can pass a real i18next instance in either language.
export type Lang = 'ko' | 'en';
export const LANGS: readonly Lang[] = ['ko', 'en'];

/** Keys are written "namespace:key.path", e.g. "checks:property.mode". */
export type Translate = (key: string, params?: Record<string, unknown>) => string;
