from cases.views import allocation, case_page, lists, participants, referrals

app_name = "cases"

urlpatterns = [
    *lists.urlpatterns,
    *referrals.urlpatterns,
    *allocation.urlpatterns,
    *case_page.urlpatterns,
    *participants.urlpatterns,
]
