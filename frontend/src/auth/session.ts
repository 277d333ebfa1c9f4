// Who is signed in: the `me` query (null when nobody is), and the sign in / up / out mutations.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, type Schemas, unwrap } from "../api/client";
import type { UnitSystem } from "../units/units";

export type Profile = Schemas["Profile"];
export const ME_KEY = ["me"] as const;

async function fetchMe(): Promise<Profile | null> {
  try {
    return await unwrap(api.GET("/api/v1/me"));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 5 * 60_000 });
}

/** The signed-in athlete (inside the signed-in shell only). */
export function useProfile(): Profile {
  const { data } = useMe();
  if (!data) throw new Error("useProfile outside the signed-in shell");
  return data;
}

export function useUnits(): UnitSystem {
  return useMe().data?.units ?? "metric";
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["Credentials"]) => unwrap(api.POST("/api/v1/auth/login", { body })),
    onSuccess: (signedIn) => {
      client.clear();
      client.setQueryData(ME_KEY, signedIn.user);
    },
  });
}

export function useSignUp() {
  const signIn = useSignIn();
  return useMutation({
    mutationFn: async (body: Schemas["Registration"]) => {
      await unwrap(api.POST("/api/v1/auth/register", { body }));
      return signIn.mutateAsync({ email: body.email, password: body.password });
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/logout")),
    onSettled: () => {
      client.clear();
      client.setQueryData(ME_KEY, null);
    },
  });
}
