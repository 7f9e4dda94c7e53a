import { Logo } from "@/components/shell/logo";

/** Sign-in and first-start setup: outside the console's shell, nothing but the form. */
export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center px-4 py-12 sm:justify-center sm:py-16">
      <div className="w-full max-w-md">
        <div className="mb-6 flex justify-center">
          <Logo size="lg" />
        </div>
        {children}
      </div>
    </main>
  );
}
