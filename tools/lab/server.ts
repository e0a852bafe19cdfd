export class LabUsageError extends Error {} export async function labCommand(_a: string[], _p: (l: string) => void): Promise<void> {}
