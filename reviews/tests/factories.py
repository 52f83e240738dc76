import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from applications.tests.factories import ApplicationFactory
from reviews.models import Assignment, Decision, Review, Score


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    application = factory.SubFactory(ApplicationFactory, status="in_review")
    reviewer = factory.SubFactory(UserFactory)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    assignment = factory.SubFactory(AssignmentFactory, declared_at=factory.LazyFunction(timezone.now))


class ScoreFactory(DjangoModelFactory):
    class Meta:
        model = Score

    review = factory.SubFactory(ReviewFactory)


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    application = factory.SubFactory(ApplicationFactory, status="in_review")
    outcome = Decision.Outcome.AWARD
    motivation = "Sterk project."
    decided_at = factory.LazyFunction(timezone.now)
