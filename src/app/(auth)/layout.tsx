/** Sign-in and first-start setup: outside the console's shell, nothing but the form. */
export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center px-4 py-12 sm:justify-center sm:py-16">
      <div className="w-full max-w-md">
        <div className="mb-6 flex items-center justify-center gap-2.5">
          <img src="/favicon.svg" alt="" className="size-9" />
          <span className="text-xl font-semibold tracking-tight text-slate-900">OpenCrane</span>
        </div>
        {children}
      </div>
    </main>
  );
}
