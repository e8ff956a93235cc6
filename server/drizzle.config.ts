import { defineConfig } from 'drizzle-kit'

// Only `generate` is used: migrations are committed and applied by the server with `migrate()`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
})
