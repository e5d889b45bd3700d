// How a command sets the process exit code (main.ts owns it: the one place errors become exit
// codes). Its own file so that the command modules import it without importing the command list
// (index.ts), which imports them: no cycle.
export type SetExit = (code: number) => void;
