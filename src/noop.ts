/**
 * The one function that does nothing: every "no handler installed" slot in the stack (a TCP
 * connection or listener without its own handler, an unbound UDP port, no echo observer, a
 * SLIP decoder before its frame callback, a HAL without wake) holds this one. A function with
 * fewer parameters stands in for any handler type; on Espruino each distinct function costs
 * JsVars of RAM (and its parameters one more each), so one shared no-op is cheaper than five.
 */
export function noop(): void {}
