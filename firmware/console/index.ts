// The serial console: line editor, command tree, session (login, pager), commands, and the glue
// that puts a session on the HAL console.
export { LineEditor, type EditorAction } from './lineEditor';
export { tokenize, type Token } from './tokenize';
export { parseLine, completions, helpAt, formatHelp, matchKeyword, childrenOf, type ArgType, type ArgSpec, type Args, type CommandIO, type CommandNode, type Handler, type HelpEntry, type ParseOutcome } from './commandTree';
export { ConsoleSession, type SessionOptions } from './session';
export { buildCommands, CommandContext, runningConfigLines, phoneClassLines, type SessionControl } from './commands';
export { createConsole, type RouterConsole } from './console';
export type { ConsoleRouter, DhcpView, TftpView, NatView, WanView, LogView, Outcome } from './router';
export { attachConsole, consoleRouterOf } from './attach';
export { dhcpView, natView, wanView } from './views';
export { tftpView } from './tftpView';
