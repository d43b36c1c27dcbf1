/**
 * A Durable Object namespace whose stubs' methods pass through `wrap`: to count RPCs, or to make
 * them fail. `wrap` gets the method's name and the bound method, and returns what callers get.
 */
export function wrapNamespace<T>(ns: T, wrap: (method: string | symbol, call: (...args: unknown[]) => unknown) => unknown): T {
  const namespace = ns as any
  return new Proxy(namespace, {
    get(target: any, prop) {
      if (prop !== 'get') return typeof target[prop] === 'function' ? target[prop].bind(target) : target[prop]
      return (id: DurableObjectId) => {
        const stub = target.get(id)
        return new Proxy(stub, {
          get(s: object, method) {
            const value = Reflect.get(s, method)
            if (typeof value !== 'function' || method === 'then') return value
            return wrap(method, (...args: unknown[]) => Reflect.apply(value, s, args))
          },
        })
      }
    },
  }) as T
}
