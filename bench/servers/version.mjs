// Prints the runtime's version as JSON (the benches run several Node.js builds).
console.log(JSON.stringify({ version: process.version }));
