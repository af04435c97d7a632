package dev.stepwise.judge;

/**
 * The judge response taught by EFT data: the judge first writes the step it expects, then
 * checks each candidate against it, and only then gives the verdict. A tiny model that must
 * answer [[A]]/[[B]] at once stays at chance (DESIGN.md); writing the check first lets the
 * verdict follow from text the model has already produced.
 * <pre>
 * Expected: 12 - 4 = 8
 * Check A: 12 - 5 = 7, wrong.
 * Check B: 12 - 4 = 8, correct.
 * Verdict: [[B]]
 * </pre>
 */
public final class StepCheck {
    private StepCheck() {}

    /**
     * @param expected the equation of the correct next step, e.g. "12 - 4 = 8"
     * @param equationA the equation of candidate A
     * @param equationB the equation of candidate B
     * @param better    which candidate is correct (A or B)
     */
    public static String response(String expected, String equationA, String equationB, Verdict better) {
        return "Expected: " + expected
                + "\nCheck A: " + equationA + (better == Verdict.A ? ", correct." : ", wrong.")
                + "\nCheck B: " + equationB + (better == Verdict.B ? ", correct." : ", wrong.")
                + "\nVerdict: " + better.tag();
    }
}
