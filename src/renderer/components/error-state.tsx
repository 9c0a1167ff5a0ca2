export function ErrorState({ title, message }: { title: string; message: string }) {
  return (
    <div
      role="alert"
      className="max-w-xl rounded-lg border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <p className="font-medium">{title}</p>
      <p className="mt-1 text-sm">{message}</p>
    </div>
  )
}
