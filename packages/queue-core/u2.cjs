const Pool = require("undici/lib/dispatcher/pool.js")
const p = new Pool("http://127.0.0.1:4597")
p.request({ path: "/", method: "POST", body: "Action=ListQueues", headers: { "content-type": "application/x-www-form-urlencoded" } }).then(async (r) => { await r.body.text(); await p.close() })
