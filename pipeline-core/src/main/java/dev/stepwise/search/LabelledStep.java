package dev.stepwise.search;

import java.io.Serializable;

/**
 * One step with a correctness label, after the steps before it: what a PRM is trained and evaluated
 * on.
 *
 * @param id the labelled solution's id and the step's 0-based index, "ID#k"
 * @param check the check the PRM writes before its verdict, or null (verdict only)
 */
public record LabelledStep(
    String id, String lang, Prm.Request request, boolean correct, String check)
    implements Serializable {}
