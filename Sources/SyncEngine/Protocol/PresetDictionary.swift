/// The preset zlib dictionary of protocol version 1 (SPEC.md §4.2): byte strings that recur in every
/// sync — field names, record types, kinds, values — so that even a one-change incremental sync compresses.
/// Its bytes are part of the protocol: never change them; a new dictionary needs a new frame flag.
public enum PresetDictionary {
    public static let v1: [UInt8] = Array(text.utf8)

    // Later strings get the shortest distances, so the most frequent come last.
    private static let text = """
        occurred_atrecorded_atplacement_startplan_startchild_namecategoryworkerdobCINCPCLAPF\
        target_idreasoncorrecteddelete_reasonbedroom_seenpresentlocationobservationsanalysisactions\
        alone_reasonrefusedinappropriateunableunannouncedplannedreviewotherphonemeetingemailletter\
        direct-workgeneralamendmentcasenotevisitcreateeditfinalisedeleteresolvewishesseen_aloneseen\
        yesnostatutorystatusdraftfinal0000000000000000000000000000000000000000000000000000000000000000\
        T00:00:00.000Z2026-
        """
}
