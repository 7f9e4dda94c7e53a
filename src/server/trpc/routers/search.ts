import { findUseCase } from "../../application/search";
import { procedureOf, router } from "../init";

export const searchRouter = router({
  find: procedureOf(findUseCase),
});
